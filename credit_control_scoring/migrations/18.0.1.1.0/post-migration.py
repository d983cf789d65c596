"""The nightly scoring now runs before the dossiers' nightly refresh, whose
worklist priorities read the payment predictions the scoring keeps for the
day (``credit.control.kpi.prediction``) instead of predicting every open
instalment again. The cron's data is not updated on upgrade: a schedule
still at the hour this module set (03:00) moves to 01:00, a schedule a user
changed stays as it is."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_cron c
           SET nextcall = c.nextcall - interval '2 hours'
          FROM ir_model_data d
         WHERE d.module = 'credit_control_scoring' AND d.name = 'ir_cron_credit_control_recompute_scores'
           AND d.model = 'ir.cron' AND d.res_id = c.id AND c.nextcall::time = '03:00'
        """
    )
