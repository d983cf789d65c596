import json

from odoo.tests import HttpCase

from .common import load_french

# Runs in the browser, in the web client: open each action as its menu
# does, wait for its view (or its dialog), check its title and open the
# first record listed. Any console error fails the test.
CHECK_ACTIONS_JS = """
(async () => {
    const env = odoo.__WOWL_DEBUG__.root.env;
    const checks = %s;
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const waitFor = async (predicate) => {
        for (let i = 0; i < 150; i++) {
            const found = predicate();
            if (found) { return found; }
            await sleep(100);
        }
        return null;
    };
    // the breadcrumb, or the window's title at phone width (no breadcrumb there)
    const title = () => {
        const crumb = document.querySelector(".o_action_manager .o_breadcrumb .o_last_breadcrumb_item");
        return crumb ? crumb.textContent.trim() : document.title;
    };
    let forms = 0;
    for (const check of checks) {
        await env.services.action.doAction(check.id, { clearBreadcrumbs: true });
        if (check.dialog) {
            if (!await waitFor(() => document.querySelector(".modal .o_form_view"))) {
                console.error(`${check.label}: its dialog did not open`);
                return;
            }
            await env.services.action.doAction({ type: "ir.actions.act_window_close" });
            await waitFor(() => !document.querySelector(".modal .o_form_view"));
            continue;
        }
        if (check.form) {
            if (!await waitFor(() => document.querySelector(".o_action_manager .o_form_view"))) {
                console.error(`${check.label}: its form did not open`);
                return;
            }
            continue;
        }
        if (!check.expected) {
            await sleep(500);  // a server action: its result, whatever it is
            continue;
        }
        if (!await waitFor(() => document.querySelector(".o_action_manager .o_view_controller")
                && title().includes(check.expected))) {
            console.error(`${check.label}: the title is "${title()}", not "${check.expected}"`);
            return;
        }
        // not the sample records an empty view shows
        const first = !document.querySelector(".o_action_manager .o_view_sample_data") && document.querySelector(
            ".o_action_manager .o_list_view .o_data_row .o_data_cell, "
            + ".o_action_manager .o_kanban_view .o_kanban_record:not(.o_kanban_ghost)"
        );
        if (first) {
            first.click();
            // its form, or the row in edition in an editable list
            if (!await waitFor(() => document.querySelector(
                ".o_action_manager .o_form_view, .o_action_manager .o_data_row.o_selected_row"
            ))) {
                console.error(`${check.label}: its first record did not open`);
                return;
            }
            forms++;
        }
    }
    console.info(`${checks.length} menus opened, and the first record of ${forms} of them`);
    console.log("test successful");
})();
"""


class MenuSmokeCase(HttpCase):
    """Opens every menu of a module in Chromium, as an administrator, in
    English and in French, at desktop width (and at phone width in a
    subclass): the view renders without a console error, its title is the
    action's name in the user's language, and the first record listed opens
    in its form. The module's French translations are loaded for it."""

    MODULE = None
    LANGS = ("en_US", "fr_FR")
    # each module's subclass runs the test below
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)

    def _menus(self):
        data = self.env["ir.model.data"].search([("module", "=", self.MODULE), ("model", "=", "ir.ui.menu")])
        return self.env["ir.ui.menu"].browse(data.mapped("res_id")).filtered("action").sorted("id")

    def _check_every_menu(self):
        menus = self._menus()
        self.assertTrue(menus, f"{self.MODULE} has menus")
        admin = self.env.ref("base.user_admin")
        for lang in self.LANGS:
            admin.lang = lang
            checks = []
            for menu in menus:
                action = menu.action.with_context(lang=lang)
                window = action._name == "ir.actions.act_window"
                checks.append({
                    "id": action.id,
                    # a server action (the dashboard) opens a window of another name
                    "expected": action.name if window else None,
                    "dialog": window and action.target == "new",
                    # a form of a new record (the simulation) is titled "New"
                    "form": window and action.view_mode.split(",")[0] == "form",
                    "label": f"{lang} {menu.with_context(lang=lang).complete_name}",
                })
            with self.subTest(lang=lang):
                self.browser_js(
                    "/odoo", CHECK_ACTIONS_JS % json.dumps(checks), ready="odoo.isReady === true",
                    login="admin", timeout=240,
                )

    def test_every_menu(self):
        self._check_every_menu()


class PhoneWidth:
    """Mixin of a MenuSmokeCase: the same menus at a phone's width, in French."""

    browser_size = "375x667"
    touch_enabled = True
    LANGS = ("fr_FR",)
