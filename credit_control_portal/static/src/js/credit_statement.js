/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The statement's invoice table: "select all" ticks every invoice, and the
 * amount field suggests what is due on the ticked invoices.
 */
publicWidget.registry.CreditStatement = publicWidget.Widget.extend({
    selector: "#o_credit_statement_form",
    events: {
        "change .o_credit_select_all": "_onSelectAll",
        "change .o_credit_select": "_onSelect",
    },

    _onSelectAll(ev) {
        for (const checkbox of this.el.querySelectorAll(".o_credit_select")) {
            checkbox.checked = ev.currentTarget.checked;
        }
        this._updatePlaceholder();
    },

    _onSelect() {
        const boxes = [...this.el.querySelectorAll(".o_credit_select")];
        this.el.querySelector(".o_credit_select_all").checked = boxes.every((box) => box.checked);
        this._updatePlaceholder();
    },

    _updatePlaceholder() {
        const amountInput = this.el.querySelector("#o_credit_amount");
        if (!amountInput) {
            return;
        }
        let total = 0;
        for (const checkbox of this.el.querySelectorAll(".o_credit_select:checked")) {
            total += parseFloat(checkbox.closest("tr").dataset.amount || 0);
        }
        amountInput.placeholder = total ? total.toFixed(2) : amountInput.getAttribute("data-placeholder") || "";
    },

    start() {
        const amountInput = this.el.querySelector("#o_credit_amount");
        if (amountInput) {
            amountInput.setAttribute("data-placeholder", amountInput.placeholder);
        }
        return this._super(...arguments);
    },
});

/**
 * The receipt after an online payment: its print button.
 */
publicWidget.registry.CreditReceipt = publicWidget.Widget.extend({
    selector: ".o_credit_receipt",
    events: {
        "click .o_credit_receipt_print": "_onPrint",
    },

    _onPrint() {
        window.print();
    },
});

export default publicWidget.registry.CreditStatement;
