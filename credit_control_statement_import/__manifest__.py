{
    "name": "Credit Control Bank Statement Import",
    "summary": "Bank statement files (CAMT.053, OFX, CSV) imported through OCA's importers, by hand, by e-mail or "
    "from a folder, and matched with open invoices at once",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/credit-control-suite/credit-control",
    "author": "Credit Control Suite contributors",
    "license": "AGPL-3",
    "depends": [
        "credit_control_base", "account_statement_import_camt", "account_statement_import_ofx",
        "account_statement_import_sheet_file",
    ],
    "data": [
        "data/ir_cron_data.xml",
        "data/account_statement_import_sheet_mapping_data.xml",
        "views/account_journal_views.xml",
    ],
    "images": ["static/description/icon.png"],
    "application": False,
    "installable": True,
}
