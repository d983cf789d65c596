import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/**
 * A collector's day, in the user's language: the worklist, a call whose
 * outcome is recorded, then a letter waiting for validation, read in its
 * preview, validated and sent. Selectors are names, xml ids and values, not
 * labels, so the same steps run in French and in English; ``labels`` adds
 * the checks of the words a user reads in that language.
 */
function collectorDaySteps(labels) {
    return [
        {
            content: "The worklist shows both customers to work on today",
            trigger: ".o_action_manager .o_content:contains('Tour Atelier Durand'):contains('Tour Menuiserie Blanc')",
        },
        {
            content: "Open the agenda (Dashboard menu)",
            trigger: ".o_menu_sections [data-menu-xmlid='credit_control_base.credit_control_menu_dashboard']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='credit_control_scenario.mail_activity_menu_credit_agenda']",
            run: "click",
        },
        {
            content: "Today's call: record its outcome",
            trigger: ".o_list_view .o_data_row:contains('Tour Atelier Durand') button:has(.fa-phone)",
            run: "click",
        },
        {
            content: "The customer's figures are at hand",
            trigger: ".modal div[name=overdue_amount]:contains('1')",
        },
        {
            content: "The customer promises to pay in ten days",
            trigger: ".modal div[name=outcome] input[data-value='promise']",
            run: "click",
        },
        {
            trigger: ".modal div[name=date] input",
            run() {
                // typed as the user's language writes dates (dd/MM/yyyy in French)
                this.anchor.value = formatDate(DateTime.now().plus({ days: 10 }));
                this.anchor.dispatchEvent(new Event("input", { bubbles: true }));
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            trigger: ".modal div[name=amount] input",
            run: "edit 1500",
        },
        {
            trigger: ".modal div[name=note] textarea, .modal div[name=note] input",
            run: "edit Virement vendredi",
        },
        {
            content: "Record it",
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "The call is done and leaves the agenda",
            trigger: "body:not(:has(.modal)) .o_list_view:not(:has(.o_data_row:contains('Tour Atelier Durand')))",
        },
        {
            content: "Back to the worklist (Customers menu)",
            trigger: ".o_menu_sections [data-menu-xmlid='credit_control_base.credit_control_menu_customers']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='credit_control_base.credit_control_dossier_menu_my']",
            run: "click",
        },
        {
            content: "Open the customer whose letter waits for validation",
            // the worklist's kanban or list, whichever it opens on
            trigger: ".o_content .o_kanban_record:contains('Tour Menuiserie Blanc'), "
                + ".o_content .o_data_row:contains('Tour Menuiserie Blanc') td.o_data_cell:first",
            run: "click",
        },
        {
            content: "Its reminders: a smart button, behind 'More' when the form is narrow",
            trigger: ".o_form_view .o-form-buttonbox",
            run() {
                if (!document.querySelector(".o_form_view button[name=action_open_credit_actions]")) {
                    this.anchor.querySelector(".o_button_more").click();
                }
            },
        },
        {
            trigger: "button[name=action_open_credit_actions]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Menuiserie Blanc') td[name=step_id]",
            run: "click",
        },
        {
            content: "The letter is previewed, in the customer's language, before it goes out",
            trigger: `.o_form_view div[name=preview_html]:contains("${labels.preview}")`,
        },
        {
            trigger: ".o_form_view .o_statusbar_status button[data-value='to_validate'][aria-checked='true']",
        },
        {
            content: "Validate and send it",
            trigger: `.o_form_view .o_statusbar_buttons button[name=action_validate]:contains("${labels.validate}")`,
            run: "click",
        },
        {
            content: "The letter is sent",
            trigger: ".o_form_view .o_statusbar_status button[data-value='sent'][aria-checked='true']",
            timeout: 30000,
        },
        {
            content: "Back to the customer",
            trigger: ".o_breadcrumb a:contains('Tour Menuiserie Blanc')",
            run: "click",
        },
        {
            content: "Send it its statement of account",
            trigger: ".o_form_view button[name=action_credit_statement_send]",
            run: "click",
        },
        {
            trigger: ".modal button.o_mail_send",
            run: "click",
        },
        {
            content: "The statement is sent",
            trigger: "body:not(:has(.modal))",
            timeout: 30000,
        },
    ];
}

registry.category("web_tour.tours").add("credit_control_collector_day_tour_fr", {
    url: "/odoo/action-credit_control_base.credit_control_dossier_action_my",
    steps: () => collectorDaySteps({ validate: "Valider et envoyer", preview: "mettons en demeure" }),
});

registry.category("web_tour.tours").add("credit_control_collector_day_tour_en", {
    url: "/odoo/action-credit_control_base.credit_control_dossier_action_my",
    steps: () => collectorDaySteps({ validate: "Validate and Send", preview: "give you formal notice" }),
});
