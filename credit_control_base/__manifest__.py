{
    "name": "Credit Control Base",
    "summary": "Customer credit dossiers, collector portfolios, segments, "
    "credit limits and the overdue state of customer invoices",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/credit-control-suite/credit-control",
    "author": "Credit Control Suite contributors",
    "license": "AGPL-3",
    "depends": ["account", "mail"],
    "data": [
        "security/credit_control_base_groups.xml",
        "security/ir.model.access.csv",
        "security/credit_control_base_rules.xml",
        "data/ir_cron_data.xml",
        "views/credit_control_segment_views.xml",
        "views/credit_control_dossier_views.xml",
        "views/credit_control_document_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/credit_control_portfolio_reassign_views.xml",
        "views/credit_control_menus.xml",
    ],
    "demo": [
        "demo/credit_control_segment_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "credit_control_base/static/tests/tours/**/*",
        ],
    },
    "images": ["static/description/icon.png"],
    "post_init_hook": "_post_init_hook",
    "application": False,
    "installable": True,
}
