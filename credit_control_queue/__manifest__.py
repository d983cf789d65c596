{
    "name": "Credit Control Queue Jobs",
    "summary": "The batches of the reminder run and the scoring run as OCA queue jobs, "
    "on any Odoo server of the database",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/credit-control-suite/credit-control",
    "author": "Credit Control Suite contributors",
    "license": "AGPL-3",
    # not auto-installed: the jobs need OCA's job runner started
    # (server_wide_modules), which installing queue_job does not do
    "depends": ["credit_control_base", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
    ],
    "images": ["static/description/icon.png"],
    "application": False,
    "installable": True,
}
