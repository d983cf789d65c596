{
    "name": "Credit Control Customer Portal",
    "summary": "Customer statement on the portal: pay online with Stripe, promise a payment date, open a dispute",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/credit-control-suite/credit-control",
    "author": "Credit Control Suite contributors",
    "license": "AGPL-3",
    "depends": ["credit_control_base", "credit_control_dispute", "portal", "account_payment", "payment_stripe"],
    "external_dependencies": {"python": ["stripe"]},
    "data": [
        "security/ir.model.access.csv",
        "security/credit_control_portal_rules.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/credit_control_portal_templates.xml",
        "views/credit_control_dossier_views.xml",
        "views/res_config_settings_views.xml",
        "views/credit_control_portal_statement_download_templates.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "credit_control_portal/static/src/js/credit_statement.js",
        ],
        "web.assets_tests": [
            "credit_control_portal/static/tests/tours/*.js",
        ],
    },
    "images": [
        "static/description/statement_desktop.png",
        "static/description/statement_desktop_en.png",
        "static/description/statement_phone.png",
        "static/description/statement_phone_en.png",
        "static/description/icon.png",
    ],
    "application": False,
    "installable": True,
}
