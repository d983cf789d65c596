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

The mail queue then composes the queued e-mails in one batch
(``compose_outgoing_emails``): a ``mail.write`` per e-mail cost three
queries and three sanitizings of the body each (related inverse,
triggers, recipients read), more than the rendering (issue #19 wants
2 ms an e-mail; ``setup/bench/run scenario`` prints it).

Each function takes the values ``mail.message.create`` /
``mail.mail.create`` (``mail.write`` for the composition) would take,
refuses any other key, and writes the rows the ORM writes for them,
column by column:
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


# The values of a composed e-mail, all required (what mail.mail.write takes
# when the queue composes a queued e-mail); credit_template_id is False
# (composed: the template is done with).
COMPOSE_KEYS = frozenset((
    "subject", "body_html", "body", "email_from", "reply_to", "recipient_ids", "credit_template_id",
))


def compose_outgoing_emails(env, mails, values_list):
    """UPDATE the queued e-mails ``mails`` with what their template
    rendered, ``values_list`` in the same order, as ``mail.write`` would:
    the message's subject, body (sanitized as ``mail.message.body`` does),
    sender and reply-to, the e-mail's body, the recipients
    (``[Command.set(partner ids)]``) and the template emptied. Three
    statements for the batch instead of a write per e-mail, whose
    ``mail.message`` write, related inverse, triggers and recipient
    read cost more than the rendering (``setup/bench/run scenario``)."""
    if not mails:
        return
    if len(mails) != len(values_list):
        raise ValueError("mail_sql composes one e-mail per values")
    _check_keys(values_list, COMPOSE_KEYS, shared=("credit_template_id",))
    if values_list[0]["credit_template_id"]:
        raise ValueError("mail_sql composes e-mails out of their template: credit_template_id False")
    recipients = []
    for mail, values in zip(mails, values_list, strict=True):
        match values["recipient_ids"]:
            case [(fields.Command.SET, _, partner_ids)]:
                recipients.extend((mail.id, partner_id) for partner_id in partner_ids)
            case _:
                raise ValueError("mail_sql sets the recipients as [Command.set(partner ids)]")
    Message = env["mail.message"]
    message_ids = [mail.mail_message_id.id for mail in mails]
    messages = env["mail.message"].browse(message_ids)
    # what the ORM still holds for them is written first, then forgotten
    mails.invalidate_recordset()
    messages.invalidate_recordset()
    uid, now = env.uid, env.cr.now()

    def column(fname, values):
        return Message._fields[fname].convert_to_column(values[fname], Message)

    env.execute_query(SQL(
        """
        UPDATE mail_message AS m
           SET subject = v.subject, body = v.body, email_from = v.email_from, reply_to = v.reply_to,
               write_uid = %(uid)s, write_date = %(now)s
          FROM unnest(%(ids)s::int[], %(subjects)s::varchar[], %(bodies)s::text[], %(froms)s::varchar[],
                      %(reply_tos)s::varchar[]) AS v(id, subject, body, email_from, reply_to)
         WHERE m.id = v.id
        """,
        uid=uid,
        now=now,
        ids=message_ids,
        subjects=[column("subject", values) for values in values_list],
        bodies=[column("body", values) for values in values_list],
        froms=[column("email_from", values) for values in values_list],
        reply_tos=[column("reply_to", values) for values in values_list],
    ))
    env.execute_query(SQL(
        """
        UPDATE mail_mail AS m
           SET body_html = v.body_html, credit_template_id = NULL, write_uid = %(uid)s, write_date = %(now)s
          FROM unnest(%(ids)s::int[], %(bodies)s::text[]) AS v(id, body_html)
         WHERE m.id = v.id
        """,
        uid=uid,
        now=now,
        ids=mails.ids,
        bodies=[mails._fields["body_html"].convert_to_column(values["body_html"], mails) for values in values_list],
    ))
    env.execute_query(SQL("DELETE FROM mail_mail_res_partner_rel WHERE mail_mail_id = ANY(%s)", mails.ids))
    if recipients:
        env.execute_query(SQL(
            """
            INSERT INTO mail_mail_res_partner_rel (mail_mail_id, res_partner_id)
            SELECT mail_id, partner_id FROM unnest(%s::int[], %s::int[]) AS t(mail_id, partner_id)
            """,
            [mail_id for mail_id, _partner in recipients],
            [partner_id for _mail, partner_id in recipients],
        ))
    mails.invalidate_recordset(flush=False)
    messages.invalidate_recordset(flush=False)
