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

The run also schedules a call or a task for the collector as an activity
of the dossier (``create_activities``): through ``mail.activity.create``
each cost about 8 ms of the ORM's per-record work (defaults, the note
sanitized, the document's name, the user's time zone computed and written
again in an UPDATE), a quarter of the run's delivery profiled with
``OCA_PROFILE`` of ``setup/bench/run oca`` (294 activities: 2.5 s).

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
(``mail_message``, ``mail_mail``, ``mail_mail_res_partner_rel``,
``mail_activity`` and the followers its activities subscribe). An Odoo
upgrade that adds a stored column to these tables fails that test until
the column is written here too.
"""
import functools

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.credit_control_base.tools.sql import foreign_keys_by_index

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


# The values of a collector's activity, all required (mail.activity.create's
# keys in the context ``mail_activity_quick_update``).
ACTIVITY_KEYS = frozenset((
    "res_model_id", "res_id", "activity_type_id", "summary", "note", "user_id", "date_deadline",
))
# The columns written, ACTIVITY_KEYS and those the ORM fills from them
# (res_model, res_name, user_tz computed; active by default).
ACTIVITY_COLUMNS = ACTIVITY_KEYS | {"res_model", "res_name", "user_tz", "active", "date_done"}
MAGIC_COLUMNS = frozenset(("id", "create_uid", "create_date", "write_uid", "write_date"))


def _orm_fills_other_columns(model, columns):
    """Whether the ORM would write a column not among ``columns`` (a field
    with a default or a computed value added by some module)."""
    return any(
        field.store and field.column_type and name not in columns and name not in MAGIC_COLUMNS
        and (field.default or field.compute or field.related)
        for name, field in model._fields.items()
    )


def create_activities(env, values_list):
    """Create the activities of ``values_list`` as
    ``mail.activity.create`` does in the context
    ``mail_activity_quick_update`` (no notification to the assignee): one
    INSERT with the columns the ORM computes (the document's name, the
    user's time zone), the assignees subscribed to their documents and
    told their activities of the day, as create() does; return them, in
    order, as a recordset of ``env``'s user. A module that adds a stored
    field with a default or a computed value to the activities makes it
    fall back to the ORM."""
    Activity = env["mail.activity"].with_context(mail_activity_quick_update=True)
    if not values_list:
        return Activity
    _check_keys(values_list, ACTIVITY_KEYS)
    if _orm_fills_other_columns(Activity, ACTIVITY_COLUMNS):
        return Activity.create(values_list)
    models = {model.id: model.model for model in env["ir.model"].sudo().browse(
        {values["res_model_id"] for values in values_list})}
    # the document's name as its compute reads it (as superuser), each
    # model's records read at once
    names = {}
    for model_id, model in models.items():
        res_ids = [values["res_id"] for values in values_list if values["res_model_id"] == model_id]
        for record in env[model].sudo().browse(res_ids):
            names[model_id, record.id] = record.display_name
    users = env["res.users"].sudo().browse({values["user_id"] for values in values_list})
    tzs = {user.id: user.tz for user in users}
    note = functools.cache(lambda note: Activity._fields["note"].convert_to_column(note, Activity))
    Activity.flush_model()
    ids = [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO mail_activity
               (res_model_id, res_model, res_id, res_name, activity_type_id, summary, note, date_deadline,
                user_id, user_tz, active, create_uid, write_uid, create_date, write_date)
        SELECT res_model_id, res_model, res_id, res_name, activity_type_id, summary, note, date_deadline,
               user_id, user_tz, TRUE, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(model_ids)s::int[], %(models)s::varchar[], %(res_ids)s::int[], %(names)s::varchar[],
                      %(types)s::int[], %(summaries)s::varchar[], %(notes)s::text[], %(deadlines)s::date[],
                      %(users)s::int[], %(tzs)s::varchar[])
               WITH ORDINALITY AS t(res_model_id, res_model, res_id, res_name, activity_type_id, summary, note,
                                    date_deadline, user_id, user_tz, position)
      ORDER BY position
     RETURNING id
        """,
        uid=env.uid,
        now=env.cr.now(),
        model_ids=[values["res_model_id"] for values in values_list],
        models=[models[values["res_model_id"]] for values in values_list],
        res_ids=[values["res_id"] for values in values_list],
        names=[names[values["res_model_id"], values["res_id"]] or None for values in values_list],
        types=[values["activity_type_id"] or None for values in values_list],
        summaries=[values["summary"] or None for values in values_list],
        notes=[note(values["note"]) if values["note"] else None for values in values_list],
        deadlines=[values["date_deadline"] for values in values_list],
        users=[values["user_id"] for values in values_list],
        tzs=[tzs[values["user_id"]] or None for values in values_list],
    ))]
    activities = Activity.browse(ids)
    # what create() does after its INSERT: the fields that depend on the
    # activities recomputed (the documents' activity state), the
    # activities of the documents in cache read again; the columns
    # computed here are not computed again
    computed = [Activity._fields[name] for name in ACTIVITY_COLUMNS - ACTIVITY_KEYS]
    with env.protecting(computed, activities):
        activities.modified(ACTIVITY_COLUMNS, create=True)
    for key in ACTIVITY_KEYS:
        for inverse in Activity.pool.field_inverses[Activity._fields[key]]:
            env[inverse.model_name].invalidate_model([inverse.name])
    _subscribe_and_tell_assignees(env, values_list, models, activities)
    return activities


def _subscribe_and_tell_assignees(env, values_list, models, activities):
    """What ``mail.activity.create`` does for new activities: each
    assignee follows the documents of its activities (one
    ``message_subscribe`` per model and user) and is told, on the bus, how
    many of its activities are due today."""
    per_user = {}
    for values in values_list:
        per_user.setdefault((models[values["res_model_id"]], values["user_id"]), set()).add(values["res_id"])
    readable = env["res.users"].browse({user_id for _model, user_id in per_user}).partner_id._filtered_access("read")
    # The followers' subtypes reference the followers written just before:
    # on a database with few followers, a run's subscriptions would check
    # each against all those written since (8 s of one benchmark run at 1M
    # invoices).
    with foreign_keys_by_index(env.cr):
        for (model, user_id), res_ids in per_user.items():
            user = env["res.users"].browse(user_id)
            partner = user.partner_id if user.partner_id in readable else user.sudo().partner_id
            env[model].browse(sorted(res_ids)).message_subscribe(partner_ids=partner.ids)
    today = fields.Date.today()
    due = {}
    for values in values_list:
        if fields.Date.to_date(values["date_deadline"]) <= today:
            due[values["user_id"]] = due.get(values["user_id"], 0) + 1
    for user_id, count in due.items():
        env["res.users"].browse(user_id)._bus_send(
            "mail.activity/updated", {"activity_created": True, "count_diff": count})
