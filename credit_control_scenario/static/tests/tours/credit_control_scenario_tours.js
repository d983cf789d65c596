import { registry } from "@web/core/registry";

function inDays(days) {
    const date = new Date();
    date.setDate(date.getDate() + days);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(date.getMonth() + 1)}/${pad(date.getDate())}/${date.getFullYear()}`;
}

// A collector's morning: the agenda, the call of a late customer, the
// promise it made recorded in one go.
registry.category("web_tour.tours").add("credit_control_collector_morning_tour", {
    url: "/odoo/action-credit_control_scenario.mail_activity_action_credit_agenda",
    steps: () => [
        {
            content: "Today's call is on the agenda",
            trigger: ".o_list_view .o_data_row:contains('Tour Quincaillerie Martin')",
        },
        {
            content: "Record the outcome of the call",
            trigger: ".o_data_row:contains('Tour Quincaillerie Martin') button:contains('Record Outcome')",
            run: "click",
        },
        {
            content: "The call script and the customer's figures are at hand",
            trigger: ".modal div[name=overdue_amount]:contains('1,500.00')",
        },
        {
            content: "The customer promises to pay",
            trigger: ".modal div[name=outcome] label:contains('Payment promise')",
            run: "click",
        },
        {
            trigger: ".modal div[name=date] input",
            run: `edit ${inDays(10)}`,
        },
        {
            trigger: ".modal div[name=amount] input",
            run: "edit 1500",
        },
        {
            trigger: ".modal div[name=note] textarea, .modal div[name=note] input",
            run: "edit Transfer on Friday",
        },
        {
            content: "Record it",
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "The call is done and leaves the agenda",
            trigger: "body:not(:has(.modal)) .o_list_view:not(:has(.o_data_row:contains('Tour Quincaillerie Martin')))",
        },
    ],
});

// A credit manager sets up a gentle scenario of three steps.
registry.category("web_tour.tours").add("credit_control_manager_setup_tour", {
    url: "/odoo/action-credit_control_scenario.credit_control_scenario_action",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name=name] input",
            run: "edit Tour Gentle Scenario",
        },
        // Step 1: an e-mail a week after the due date
        {
            trigger: "div[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal div[name=name] input",
            run: "edit Friendly e-mail",
        },
        {
            trigger: ".modal div[name=delay_days] input",
            run: "edit 7",
        },
        {
            trigger: ".modal div[name=mail_template_id] input",
            run: "edit first reminder",
        },
        {
            trigger: ".modal .o-autocomplete--dropdown-item a:contains('Credit Control: first reminder'):not(:contains('Create'))",
            run: "click",
        },
        {
            trigger: ".modal div[name=mail_template_id] input:value('Credit Control: first reminder')",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        // Step 2: a call after three weeks
        {
            trigger: "body:not(:has(.modal)) div[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal div[name=name] input",
            run: "edit Courtesy call",
        },
        {
            trigger: ".modal div[name=delay_days] input",
            run: "edit 21",
        },
        {
            trigger: ".modal div[name=channel] select",
            run: "selectByLabel Phone Call",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        // Step 3: a task for the collector after six weeks
        {
            trigger: "body:not(:has(.modal)) div[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal div[name=name] input",
            run: "edit Review the file",
        },
        {
            trigger: ".modal div[name=delay_days] input",
            run: "edit 42",
        },
        {
            trigger: ".modal div[name=channel] select",
            run: "selectByLabel Manual Task",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Three steps, then save the scenario",
            trigger: "body:not(:has(.modal)) div[name=step_ids] .o_data_row:nth-child(3):contains('Review the file')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
