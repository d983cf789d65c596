import { registry } from "@web/core/registry";

// A colleague without an Odoo account opens the link of a dispute in French,
// reads it, proposes a credit note and sends the answer.
registry.category("web_tour.tours").add("credit_control_dispute_colleague_fr_tour", {
    steps: () => [
        {
            content: "The dispute, in French",
            trigger: ".o_credit_dispute_link h3:contains('Votre avis sur un litige client')",
        },
        {
            content: "Its invoice and evidence are shown",
            trigger: ".o_credit_dispute_link_evidence a:contains('bon_de_livraison.pdf')",
        },
        {
            content: "Explain",
            trigger: "#o_credit_dispute_link_comment",
            run: "edit Il manquait deux cartons à la livraison.",
        },
        {
            content: "Propose a credit note",
            trigger: "#o_credit_dispute_link_credit_note",
            run: "click",
        },
        {
            trigger: "#o_credit_dispute_link_amount",
            run: "edit 150,00",
        },
        {
            trigger: "button.o_credit_dispute_link_submit:contains('Envoyer ma réponse')",
            run: "click",
        },
        {
            content: "Thanked in French",
            trigger: ".o_credit_dispute_link_thanks:contains('Merci')",
        },
    ],
});
