-- stop the crons of credit_control_base (refresh of the dossiers and segments)
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'credit_control_base'
);
