-- revoke the statement links sent by the production database: the version
-- signed into every link is raised (see credit.control.dossier
-- statement_link_version), links of the copy are signed with the new one.
-- A copy keeps the database secret: raised by a random jump, so that the
-- copy's links do not become valid on production after its next revocation.
UPDATE credit_control_dossier
   SET statement_link_version = COALESCE(statement_link_version, 0) + 1 + floor(random() * 1000000)::int;

-- no Stripe server named by a parameter: a copy talks to api.stripe.com or
-- nowhere (payment_stripe's neutralization clears the keys)
DELETE FROM ir_config_parameter
 WHERE key = 'credit_control_portal.stripe_api_url';

-- stop the crons of credit_control_portal: a copy never charges the
-- customers on autopay nor sends them the notice of a charge
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'credit_control_portal'
);
