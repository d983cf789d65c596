"""The one place where the suite writes Odoo's mail tables in SQL.

The nightly run posts a note per reminder in the dossiers' chatter and
queues an e-mail per e-mail reminder. Through the ORM (``mail.mail.create``
for the e-mails, ``mail.thread._message_log_batch`` for the notes, each
one call for the whole batch) the run costs half as much again as with
these INSERTs; issue #17 wants the run within 10 % of its figures.
Measured with ``setup/bench/run scenario`` (4,000 customers, 20,000
invoices over 3 months: 2,101 reminders, 1,353 e-mails, 2,101 notes),
CPU time of the run, Odoo and PostgreSQL together, on the same data:

- these INSERTs: 3.1 s (372 queries);
- ``mail.mail.create`` for the e-mails: 4.2 s (+36 %);
- and ``_message_log_batch`` for the notes: 4.7 to 5.4 s (+53 to 74 %,
  367 queries): the ORM's cost is per record (values checked, bodies
  sanitized one by one, every column computed), not per query.

Each function takes the values ``mail.message.create`` /
``mail.mail.create`` would take, refuses any other key, and writes the
rows the ORM writes for them, column by column:
``tests/test_mail_sql.py`` compares them for every table written here
(``mail_message``, ``mail_mail``, ``mail_mail_res_partner_rel``). An Odoo
upgrade that adds a stored column to these tables fails that test until
the column is written here too.
"""
import functools

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

# The values a note takes, all required (mail.message.create's keys).
NOTE_KEYS = frozenset((
    "model", "res_id", "record_name", "body", "reply_to", "message_type", "subtype_id", "author_id", "email_from",
))
# The values a queued e-mail takes, all required (mail.mail.create's keys);
# model, message_type, body_html, auto_delete and credit_template_id are
# written as given, the same for the whole batch except the template.
EMAIL_KEYS = frozenset((
    "model", "res_id", "record_name", "message_type", "subject", "body_html", "email_from", "reply_to",
    "recipient_ids", "auto_delete", "credit_template_id",
))


def _check_keys(values_list, keys, shared=()):
    for values in values_list:
        if set(values) != keys:
            raise ValueError(f"mail_sql writes exactly {sorted(keys)}, got {sorted(values)}")
    for key in shared:
        if len({values[key] for values in values_list}) > 1:
            raise ValueError(f"mail_sql writes one {key} per batch")


def create_notes(env, values_list):
    """INSERT the notes of ``values_list`` into ``mail_message`` as
    ``mail.message.create`` would (the body sanitized as its field does,
    once per distinct body: a run has few); return their ids in order.
    They notify nobody, as the notes a create() makes do not."""
    if not values_list:
        return []
    _check_keys(values_list, NOTE_KEYS)
    Message = env["mail.message"]
    sanitize = functools.cache(lambda body: Message._fields["body"].convert_to_column(body, Message))
    columns = {key: [values[key] for values in values_list] for key in NOTE_KEYS}
    return [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO mail_message
               (model, res_id, record_name, body, reply_to, message_id, message_type, subtype_id,
                author_id, email_from, email_add_signature, date,
                create_uid, write_uid, create_date, write_date)
        SELECT model, res_id, record_name, body, reply_to, message_id, message_type, subtype_id,
               author_id, email_from, TRUE, %(date)s,
               %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(models)s::varchar[], %(res_ids)s::int[], %(names)s::varchar[], %(bodies)s::text[],
                      %(reply_tos)s::varchar[], %(message_ids)s::varchar[], %(types)s::varchar[],
                      %(subtypes)s::int[], %(authors)s::int[], %(froms)s::varchar[])
               WITH ORDINALITY AS t(model, res_id, record_name, body, reply_to, message_id, message_type,
                                    subtype_id, author_id, email_from, position)
      ORDER BY position
     RETURNING id
        """,
        date=fields.Datetime.now(),
        uid=env.uid,
        now=env.cr.now(),
        models=columns["model"],
        res_ids=columns["res_id"],
        names=columns["record_name"],
        bodies=[sanitize(body) for body in columns["body"]],
        reply_tos=columns["reply_to"],
        message_ids=[generate_tracking_message_id(f"{values['res_id']}-{values['model']}") for values in values_list],
        types=columns["message_type"],
        subtypes=columns["subtype_id"],
        authors=columns["author_id"],
        froms=columns["email_from"],
    ))]


def create_outgoing_emails(env, values_list):
    """INSERT the outgoing e-mails of ``values_list`` as
    ``mail.mail.create`` would: their messages (``mail_message``), the
    e-mails (``mail_mail``) and their one recipient each
    (``mail_mail_res_partner_rel``, from ``[Command.set([partner id])]``);
    return the ids of the e-mails in order. The author is the current
    user's partner, as ``mail.message``'s default."""
    if not values_list:
        return []
    _check_keys(values_list, EMAIL_KEYS, shared=("model", "message_type", "body_html", "auto_delete"))
    recipients = []
    for values in values_list:
        match values["recipient_ids"]:
            case [(fields.Command.SET, _, [partner_id])]:
                recipients.append(partner_id)
            case _:
                raise ValueError("mail_sql writes one recipient per e-mail, as [Command.set([partner id])]")
    first = values_list[0]
    model = first["model"]
    author_id = env.user.partner_id.id
    uid, now = env.uid, env.cr.now()
    message_ids = [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO mail_message
               (model, res_id, record_name, message_type, subject, body, email_from, reply_to,
                message_id, author_id, email_add_signature, date,
                create_uid, write_uid, create_date, write_date)
        SELECT %(model)s, res_id, record_name, %(message_type)s, subject, '', email_from, reply_to,
               message_id, %(author)s, TRUE, %(date)s, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(subjects)s::varchar[],
                      %(froms)s::varchar[], %(reply_tos)s::varchar[], %(message_ids)s::varchar[])
               WITH ORDINALITY AS t(res_id, record_name, subject, email_from, reply_to, message_id, position)
      ORDER BY position
     RETURNING id
        """,
        model=model,
        message_type=first["message_type"],
        author=author_id,
        date=fields.Datetime.now(),
        now=now,
        uid=uid,
        res_ids=[values["res_id"] for values in values_list],
        names=[values["record_name"] for values in values_list],
        subjects=[values["subject"] for values in values_list],
        froms=[values["email_from"] for values in values_list],
        reply_tos=[values["reply_to"] for values in values_list],
        message_ids=[generate_tracking_message_id(f"{values['res_id']}-{model}") for values in values_list],
    ))]
    mail_ids = [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO mail_mail
               (mail_message_id, body_html, state, auto_delete, credit_template_id,
                create_uid, write_uid, create_date, write_date)
        SELECT message_id, %(body)s, 'outgoing', %(auto_delete)s, template_id,
               %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(message_ids)s::int[], %(template_ids)s::int[])
               WITH ORDINALITY AS t(message_id, template_id, position)
      ORDER BY position
     RETURNING id
        """,
        body=first["body_html"],
        auto_delete=first["auto_delete"],
        uid=uid,
        now=now,
        message_ids=message_ids,
        template_ids=[values["credit_template_id"] or None for values in values_list],
    ))]
    env.execute_query(SQL(
        """
        INSERT INTO mail_mail_res_partner_rel (mail_mail_id, res_partner_id)
        SELECT mail_id, partner_id FROM unnest(%s::int[], %s::int[]) AS t(mail_id, partner_id)
        """,
        mail_ids,
        recipients,
    ))
    return mail_ids
