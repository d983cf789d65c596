import { registry } from "@web/core/registry";

// A customer's contact pays its two overdue invoices with its saved card.
registry.category("web_tour.tours").add("credit_control_portal_pay_tour", {
    url: "/my/credit",
    steps: () => [
        {
            content: "The statement shows what is overdue",
            trigger: ".o_credit_overdue_total:contains('1,500.00')",
        },
        {
            content: "Select every invoice",
            trigger: "input.o_credit_select_all",
            run: "click",
        },
        {
            trigger: "tr.o_credit_invoice:last input.o_credit_select:checked",
        },
        {
            content: "Pay the selection",
            trigger: "button.o_credit_pay_selected",
            run: "click",
        },
        {
            content: "The amount to pay is the total of the selection",
            trigger: ".o_credit_payment_amount:contains('1,500.00')",
        },
        {
            content: "Pay with the saved card",
            trigger: "input[name='o_payment_radio'][data-payment-option-type='token']",
            run: "click",
        },
        {
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "The confirmation says what was paid",
            trigger: ".o_credit_receipt .o_credit_receipt_done",
            timeout: 30000,
        },
        {
            trigger: ".o_credit_receipt .o_credit_receipt_amount:contains('1,500.00')",
        },
        {
            content: "Back to the statement",
            trigger: ".o_credit_receipt a.o_credit_receipt_back",
            run: "click",
        },
        {
            content: "Nothing is due any more",
            trigger: ".o_credit_statement:contains('Nothing is due')",
        },
    ],
});

// The same contact announces a payment date, then disputes an invoice.
registry.category("web_tour.tours").add("credit_control_portal_promise_dispute_tour", {
    url: "/my/credit",
    steps: () => [
        {
            content: "Tick the first invoice",
            trigger: "tr.o_credit_invoice:first input.o_credit_select",
            run: "click",
        },
        {
            content: "Promise the latest date allowed",
            trigger: "#o_credit_promise_date",
            run() {
                this.anchor.value = this.anchor.getAttribute("max");
            },
        },
        {
            content: "Record the payment date",
            trigger: "button.o_credit_promise_submit",
            run: "click",
        },
        {
            trigger: ".o_credit_message:contains('your payment date is recorded')",
        },
        {
            trigger: "tr.o_credit_invoice:first:contains('Payment promised')",
        },
        {
            content: "Tick the last invoice",
            trigger: "tr.o_credit_invoice:last input.o_credit_select",
            run: "click",
        },
        {
            trigger: "select[name='reason_id']",
            run: "selectByLabel Quality",
        },
        {
            trigger: "textarea[name='dispute_note']",
            run: "edit Two cakes were missing from the delivery.",
        },
        {
            content: "Send the dispute",
            trigger: "button.o_credit_dispute_submit",
            run: "click",
        },
        {
            trigger: ".o_credit_message:contains('your dispute is recorded')",
        },
        {
            trigger: "tr.o_credit_invoice:last:contains('Disputed')",
        },
    ],
});
