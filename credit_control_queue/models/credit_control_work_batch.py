from odoo import _, models

from odoo.addons.queue_job.exception import RetryableJobError


class CreditControlWorkBatch(models.Model):
    _inherit = "credit.control.work.batch"

    def _credit_dispatch(self):
        """Override of `credit_control_base` to make each new batch a queue
        job (channel ``root.credit_control``): the job runner has them
        processed by any Odoo server of the database, as many at once as
        the channel's capacity. The job's own cron still takes batches too:
        both claim them with SKIP LOCKED."""
        for batch in self:
            batch.with_delay(
                description=_("Credit control: batch of %(size)s records of %(job)s",
                              size=batch.size, job=batch.res_model),
            )._credit_job_run()

    def _credit_job_run(self):
        """The queue job of a batch: process it, unless a worker took it
        already (done, or being done: then nothing to do).

        :return: what the job did, shown on the job
        """
        self.ensure_one()
        batch = self._credit_claim(batches=self)
        if not batch:
            self._credit_finish_idle()
            return _("Processed by another worker")
        size = batch.size
        if not batch._credit_process():
            # the batch met another job's work committed since this
            # transaction began: a new transaction sees it
            raise RetryableJobError(_("Conflict with another worker, retried"), seconds=5)
        return _("%(size)s records processed", size=size)
