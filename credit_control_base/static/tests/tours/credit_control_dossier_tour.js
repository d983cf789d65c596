import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A collector's look at a late customer: from the list of dossiers to its
// aged balance, then a segment chosen by hand.
registry.category("web_tour.tours").add("credit_control_dossier_tour", {
    url: "/odoo/action-credit_control_base.credit_control_dossier_action",
    steps: () => [
        {
            content: "The late customer is listed with its overdue amount",
            trigger: ".o_list_view .o_data_row:contains('Tour Garage Dupont'):contains('1,500.00')",
        },
        {
            content: "Open its dossier",
            trigger: ".o_data_row td[name=name]:contains('Tour Garage Dupont')",
            run: "click",
        },
        {
            content: "The dossier shows how late the customer is",
            trigger: ".o_form_view div[name=max_days_overdue]:contains('45')",
        },
        {
            content: "Open the aged balance",
            trigger: ".o_notebook a.nav-link:contains('Aging')",
            run: "click",
        },
        {
            trigger: "div[name=amount_31_60]:contains('1,500.00')",
        },
        {
            content: "Put the customer in a segment by hand",
            trigger: "div[name=segment_id] input",
            run: "edit Tour Key",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Key Accounts')",
            run: "click",
        },
        {
            trigger: "div[name=segment_id] input:value('Tour Key Accounts')",
        },
        ...stepUtils.saveForm(),
        {
            content: "The rules no longer decide: a button gives the segment back to them",
            trigger: "button[name=action_reset_segment]",
        },
    ],
});
