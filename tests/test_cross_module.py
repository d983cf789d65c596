"""End to end across the modules, in-process on the database that setup/test
just installed every module in (CC_TEST_DB): a late customer is reminded by
the scenario engine, promises on the phone through the agenda's outcome
hook (credit_control_dispute), is no longer reminded, pays, and the promise,
the pending reminders and the score follow. Rolled back at the end."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

MODULES = {"credit_control_base", "credit_control_scenario", "credit_control_dispute", "credit_control_scoring"}


@pytest.fixture(scope="module")
def env(odoo_registry):
    import odoo  # noqa: PLC0415

    with odoo_registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        installed = set(env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
        missing = MODULES - installed
        if missing:
            pytest.skip(f"modules not in this checkout: {sorted(missing)}")
        yield env
        cr.rollback()


def _late_customer(env, name, today):
    customer = env["res.partner"].create({
        "name": name, "is_company": True, "email": f"compta@{name.split()[-1].lower()}.example",
        "country_id": env.ref("base.fr").id, "phone": "+33 4 78 00 00 00",
    })
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": customer.id, "invoice_date": today - timedelta(days=45),
        "invoice_date_due": today - timedelta(days=15),
        "invoice_line_ids": [(0, 0, {"name": "Outillage", "quantity": 1, "price_unit": 840.0, "tax_ids": []})],
    })
    invoice.action_post()
    return customer, invoice


def test_reminder_promise_payment(env):
    today = date(2026, 6, 15)
    company = env.company
    company.credit_control_scenario_id = env.ref("credit_control_scenario.credit_control_scenario_standard")
    customer, invoice = _late_customer(env, "Quincaillerie Bernard", today)
    other, _other_invoice = _late_customer(env, "Menuiserie Roux", today)  # the same, without a promise
    dossier = env["credit.control.dossier"].search([("partner_id", "=", customer.id), ("company_id", "=", company.id)])
    Action = env["credit.control.action"]

    def reminded(partner):
        return Action.search_count([("partner_id", "=", partner.id), ("state", "!=", "cancelled")])

    with freeze_time(today):
        env["credit.control.scenario.run"]._credit_run(companies=company)
        assert reminded(customer) == reminded(other) == 1, "15 days late: the first reminder step"
        assert invoice.credit_days_overdue == 15

        # the customer calls back and promises to pay in ten days
        promise = dossier._credit_apply_call_outcome("promise", note="Virement fin de mois", values={
            "date": today + timedelta(days=10), "amount": 840.0, "move_ids": invoice.ids,
        })
        assert promise.state == "pending"
        invoice.invalidate_recordset()
        assert invoice.credit_excluded and "promised" in invoice.credit_exclusion_reason.lower()

    # 23 days late: the second reminder is due, but not for the promised invoice
    with freeze_time(today + timedelta(days=8)):
        env["credit.control.scenario.run"]._credit_run(companies=company)
        assert reminded(other) == 2
        assert reminded(customer) == 1

    # the customer pays: the promise is kept and nothing stays pending
    with freeze_time(today + timedelta(days=9)):
        env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": today + timedelta(days=9)}
        )._create_payments()
        assert invoice.payment_state in ("paid", "in_payment")
        assert promise.state == "kept"
        pending = Action.search([("partner_id", "=", customer.id), ("state", "in", ("planned", "to_validate"))])
        assert not pending
        facts = dossier._credit_get_behaviour_facts()[dossier.id]
        assert facts["kept_promises"] == 1 and facts["broken_promises"] == 0
        dossier._credit_recompute_scores()
        assert 0 <= dossier.credit_score <= 100 and dossier.credit_risk_class in "ABCDE"


def test_reminder_links_to_the_statement(env):
    """The e-mail of a reminder carries the signed link of the portal
    statement (credit_control_portal through base's hook), and the statement
    lists that reminder (credit_control_scenario through base's hook)."""
    installed = set(env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
    if "credit_control_portal" not in installed:
        pytest.skip("credit_control_portal not in this checkout")
    today = date(2026, 6, 15)
    company = env.company
    company.credit_control_scenario_id = env.ref("credit_control_scenario.credit_control_scenario_standard")
    customer, _invoice = _late_customer(env, "Serrurerie Blanc", today)
    dossier = env["credit.control.dossier"].search([("partner_id", "=", customer.id), ("company_id", "=", company.id)])
    with freeze_time(today):
        env["credit.control.scenario.run"]._credit_run(companies=company)
        # the mail queue composes the e-mails of the run before sending them
        env["mail.mail"].search([("credit_template_id", "!=", False)])._credit_compose()
        action = env["credit.control.action"].search([("partner_id", "=", customer.id)])
        assert action.channel == "email" and action.state in ("sent", "done")
        mail = env["mail.message"].search([("model", "=", action._name), ("res_id", "=", action.id),
                                           ("message_type", "!=", "notification")], limit=1)
        assert f"/my/credit/{dossier.id}?access_token=" in mail.body
        token = mail.body.split("access_token=")[1].split('"')[0]
        assert dossier._credit_check_statement_token(token) == "valid"
        other = env["credit.control.dossier"].search([("id", "!=", dossier.id)], limit=1)
        assert not other._credit_check_statement_token(token)
        history = dossier._credit_reminder_history()
        assert [entry["channel"] for entry in history] == ["E-mail"]
        assert history[0]["amount"] == 840.0
