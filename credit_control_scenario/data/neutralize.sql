-- stop the crons of credit_control_scenario (the daily reminder run: no e-mail, letter or SMS to customers)
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'credit_control_scenario'
);
