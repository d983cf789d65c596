import { registry } from "@web/core/registry";

// The autopay opt-in as the customer does it, in English and in French: on
// its statement (logged in, or from a reminder's signed link) it agrees to
// the automatic payment, saves a new card through Odoo's payment form and
// payment_stripe (Stripe.js played by localstripe and
// ../localstripe_payment_element.js, see tests/test_autopay_tour.py), and
// comes back to its statement on autopay; then it stops autopay in one click.
// A SEPA Direct Debit mandate is saved the same way where the provider offers it.
// The words checked are those the customer reads, in its language.
const WORDS = {
    en: {
        box: "Automatic payment",
        consent: "I authorise",
        setupTitle: "Save a payment method for automatic payment",
        save: "Save and pay automatically",
        active: "Your invoices are paid automatically on their due date with",
        thanks: "your invoices will be paid automatically on their due date",
        stop: "Stop automatic payment",
        stopped: "nothing more will be charged",
    },
    fr: {
        box: "Paiement automatique",
        consent: "J'autorise",
        setupTitle: "Enregistrer un moyen de paiement pour le paiement automatique",
        save: "Enregistrer et payer automatiquement",
        active: "Vos factures sont payées automatiquement à leur échéance avec",
        thanks: "vos factures seront payées automatiquement à leur échéance",
        stop: "Arrêter le paiement automatique",
        stopped: "plus rien ne sera prélevé",
    },
};

// What the customer types in the payment element (localstripe's inputs, see
// ../localstripe_payment_element.js), and the last digits it then reads on
// its statement.
const CARD = {
    code: "card",
    fields: { number: "4242 4242 4242 4242", expiry: "12 / 35", cvc: "123" },
    last4: "4242",
};
const DECLINED_CARD = {
    code: "card",
    fields: { number: "4000 0000 0000 0002", expiry: "12 / 35", cvc: "123" },
};
const SEPA = {
    code: "sepa_direct_debit",
    fields: { iban: "FR14 2004 1010 0505 0001 3M02 606" },
    last4: "2606",
};

function typeMethodSteps(words, method) {
    const selectMethod = method.code === "card"
        ? {
            content: "The card, the only method offered, is selected",
            trigger: "input[name='o_payment_radio'][data-payment-method-code='card']:checked",
        }
        : {
            content: "Choose the method to save",
            trigger: `input[name='o_payment_radio'][data-payment-method-code='${method.code}']`,
            run: "click",
        };
    return [
        {
            content: "The statement offers the automatic payment",
            trigger: `.o_credit_autopay h5:contains("${words.box}")`,
        },
        {
            content: "Read and tick the consent",
            trigger: `.o_credit_autopay label[for='o_credit_autopay_consent']:contains("${words.consent}")`,
        },
        {
            trigger: "#o_credit_autopay_consent",
            run: "click",
        },
        {
            content: "Save a new card or bank account",
            trigger: "button.o_credit_autopay_new",
            run: "click",
        },
        {
            content: "The page repeats what was agreed",
            trigger: `.o_credit_autopay_setup h3:contains("${words.setupTitle}")`,
        },
        {
            trigger: `.o_credit_autopay_setup_consent:contains("${words.consent}")`,
        },
        selectMethod,
        ...Object.entries(method.fields).map(([name, value]) => ({
            content: `Type the ${name} in the payment element`,
            trigger: `.o_localstripe_payment_element input[name='localstripe_${name}']`,
            run: `edit ${value}`,
        })),
        {
            content: "Save it",
            trigger: `button[name='o_payment_submit_button']:enabled:contains("${words.save}")`,
            run: "click",
        },
    ];
}

function saveMethodSteps(words, method) {
    return [
        ...typeMethodSteps(words, method),
        {
            content: "Back on the statement, on autopay",
            trigger: `.o_credit_message:contains("${words.thanks}")`,
            timeout: 30000,
        },
        {
            content: "The statement names the method saved and the mandate",
            trigger: `.o_credit_autopay p:contains("${words.active}") strong:contains("${method.last4}")`,
        },
        {
            trigger: ".o_credit_autopay .o_credit_autopay_ref:contains('CC-')",
        },
        {
            trigger: `.o_credit_autopay button.o_credit_autopay_revoke:contains("${words.stop}")`,
        },
    ];
}

function declinedSteps(words) {
    return [
        ...typeMethodSteps(words, DECLINED_CARD),
        {
            content: "The bank's refusal is shown, the customer stays on the page",
            trigger: ".modal-dialog:contains('Your card was declined.')",
        },
    ];
}

function revokeSteps(words) {
    return [
        {
            content: "The statement says the invoices are paid automatically",
            trigger: ".o_credit_autopay .o_credit_autopay_ref:contains('CC-')",
        },
        {
            content: "Stop the automatic payment in one click",
            trigger: `.o_credit_autopay button.o_credit_autopay_revoke:contains("${words.stop}")`,
            run: "click",
        },
        {
            trigger: `.o_credit_message:contains("${words.stopped}")`,
        },
        {
            content: "Autopay is off: the saved card can be chosen again",
            trigger: ".o_credit_autopay:not(:has(.o_credit_autopay_ref)) select#o_credit_autopay_token:contains('4242')",
        },
    ];
}

for (const [lang, words] of Object.entries(WORDS)) {
    registry.category("web_tour.tours").add(`credit_control_portal_autopay_save_card_${lang}`, {
        steps: () => saveMethodSteps(words, CARD),
    });
    registry.category("web_tour.tours").add(`credit_control_portal_autopay_save_sepa_${lang}`, {
        steps: () => saveMethodSteps(words, SEPA),
    });
    registry.category("web_tour.tours").add(`credit_control_portal_autopay_declined_${lang}`, {
        steps: () => declinedSteps(words),
    });
    registry.category("web_tour.tours").add(`credit_control_portal_autopay_revoke_${lang}`, {
        steps: () => revokeSteps(words),
    });
}
