import { registry } from "@web/core/registry";

// The customer's portal flow in French: the statement, a payment date
// announced for one invoice, the other paid online with the saved card, and
// the confirmation with its receipt. Selectors are classes and names; the
// French words are checked where reading French is the point.
registry.category("web_tour.tours").add("credit_control_portal_fr_tour", {
    url: "/my/credit",
    steps: () => [
        {
            content: "The statement, in French",
            trigger: ".o_credit_statement h3:contains('Relevé de compte')",
        },
        {
            content: "Tick the first invoice",
            trigger: "tr.o_credit_invoice:first input.o_credit_select",
            run: "click",
        },
        {
            content: "Announce the latest payment date allowed",
            trigger: "#o_credit_promise_date",
            run() {
                this.anchor.value = this.anchor.getAttribute("max");
            },
        },
        {
            trigger: "button.o_credit_promise_submit",
            run: "click",
        },
        {
            trigger: ".o_credit_message:contains('votre date de paiement est enregistrée')",
        },
        {
            content: "The first invoice says it is promised",
            trigger: "tr.o_credit_invoice:first .o_credit_status .badge:contains('Paiement promis')",
        },
        {
            content: "Tick the last invoice and pay it",
            trigger: "tr.o_credit_invoice:last input.o_credit_select",
            run: "click",
        },
        {
            trigger: "button.o_credit_pay_selected",
            run: "click",
        },
        {
            trigger: ".o_credit_payment .o_credit_payment_amount",
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
            content: "The confirmation says the payment was received",
            trigger: ".o_credit_receipt .o_credit_receipt_done:contains('Merci pour votre paiement')",
            timeout: 30000,
        },
        {
            content: "The receipt gives the transaction reference and the invoice paid",
            trigger: ".o_credit_receipt .o_credit_receipt_reference:not(:empty)",
        },
        {
            trigger: ".o_credit_receipt tr.o_credit_receipt_invoice .badge:contains('Payée')",
        },
        {
            trigger: ".o_credit_receipt .o_credit_receipt_print",
        },
    ],
});
