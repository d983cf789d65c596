-- stop the crons of credit_control_scoring (score recomputation and loi Sapin II reviews)
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'credit_control_scoring'
);
