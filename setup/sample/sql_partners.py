"""Write the drawn customers and their contacts set-based in SQL.

``Partner.create()`` costs about 0.15 s a customer with its contacts (the
commercial and address fields are synced record by record, once per company
for the company-dependent ones): 200,000 customers would take hours. The rows
written here have the shape the ORM gives them, which
``tests/test_sample_data.py`` proves column by column:

- the values drawn, converted as the ORM converts them (the website cleaned);
- what ``create()`` syncs on a contact: its company's commercial fields, and
  its company's address when it is a plain contact (``_fields_sync``);
- the stored fields computed from them that the ORM always recomputes here
  (complete name, commercial entity, commercial company name, normalized
  e-mail, phone in E.164, and the share flag, salesperson and registry of a
  partner without user, salesperson or registry), written directly;
- every other column as the ORM fills it: its default (``default_get``, once
  for all rows), or, for a stored computed field, the ORM's own compute,
  triggered on all the new partners at once.
"""
import io
import logging

from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

from .orm_writer import batched
from .sql_writer import copy_data

_logger = logging.getLogger(__name__)

INSERT_PAGE = 1000
# computed here from the row itself (see _computed); any other stored computed
# field is left to the ORM
COMPUTED_HERE = ('complete_name', 'commercial_partner_id', 'commercial_company_name', 'email_normalized',
                 'partner_share', 'user_id', 'company_registry', 'phone_sanitized', 'peppol_eas', 'peppol_endpoint')


class SqlPartnerWriter:

    def __init__(self, env):
        self.env = env
        self.Partner = env['res.partner']
        self.now = env.cr.now()
        self.countries = {}

    def create(self, drawn):
        """Insert the customers of ``drawn`` [(values, contacts, facts)] and their
        contacts; return the customers in the order drawn."""
        Partner = self.Partner
        Partner.flush_model()
        companies = [self._row(values) for values, _contacts, _facts in drawn]
        for row, company_id in zip(companies, self._ids(len(companies)), strict=True):
            row['id'] = row['commercial_partner_id'] = company_id
        contacts = [
            self._row(contact, parent=company)
            for company, (_values, contacts_, _facts) in zip(companies, drawn, strict=True)
            for contact in contacts_
        ]
        for row, contact_id in zip(contacts, self._ids(len(contacts)), strict=True):
            row['id'] = contact_id
        written = self._complete(companies + contacts)
        _logger.info("SQL partners: %s customers and %s contacts computed", len(companies), len(contacts))
        self._insert(companies, written)
        self._insert(contacts, written)
        _logger.info("SQL partners: inserted")
        # planner statistics for the rest of the generation, in this transaction
        self.env.cr.execute(SQL("ANALYZE res_partner"))
        Partner.invalidate_model()
        partners = Partner.browse([row['id'] for row in companies])
        self._compute_others(partners | Partner.browse([row['id'] for row in contacts]), written)
        return partners

    # -- rows -----------------------------------------------------------------------------
    def _row(self, values, parent=None):
        Partner = self.Partner
        values = dict(values)
        if values.get('website'):
            values['website'] = Partner._clean_website(values['website'])
        if parent:
            values['parent_id'] = parent
            # _fields_sync: the commercial fields of the company, its address for a plain contact
            synced = Partner._commercial_fields() + (Partner._address_fields() if values['type'] == 'contact' else [])
            for name in synced:
                field = Partner._fields[name]
                if field.store and field.column_type and not field.company_dependent and name in parent:
                    values[name] = parent[name]
        row = {}
        for name, value in values.items():
            if name == 'parent_id':
                row[name] = value  # the parent's row: its id is drawn later
                continue
            field = Partner._fields[name]
            if field.store and field.column_type:
                row[name] = field.convert_to_column(value, Partner)
        return row

    def _computed(self, row):
        parent = row.get('parent_id')
        name = row.get('name') or ''
        row['complete_name'] = (f"{parent['name']}, {name}" if parent else name).strip()
        if parent:
            row['commercial_partner_id'] = parent['id']
            row['commercial_company_name'] = parent['name']
        else:
            row['commercial_company_name'] = name if row.get('is_company') else None
        row['email_normalized'] = email_normalize(row['email']) if row.get('email') else None
        # no user: a customer is a shared partner; no salesperson or registry drawn (a contact's come from
        # its company)
        row['partner_share'] = True
        row['user_id'] = row['company_registry'] = None
        if 'phone_sanitized' in self.Partner._fields:
            row['phone_sanitized'] = self._phone_sanitized(row)
        if 'peppol_eas' in self.Partner._fields:
            row['peppol_eas'], row['peppol_endpoint'] = self._peppol(row)

    def _country(self, country_id):
        if country_id not in self.countries:
            country = self.env['res.country'].browse(country_id)
            self.countries[country_id] = (country.code, country.phone_code)
        return self.countries[country_id]

    def _peppol(self, row):
        """The Peppol e-address (EAS) and endpoint of a new partner, as
        account_edi_ubl_cii computes them (its per-record compute takes minutes
        on 200,000 customers and their contacts): the country deduced from the
        VAT number's prefix, else the address; the first of the country's EAS
        whose identifier field is set and valid, else its first EAS; the
        endpoint, that field's value when it is valid."""
        from odoo.addons.account_edi_ubl_cii.models.account_edi_common import EAS_MAPPING  # noqa: PLC0415

        Partner = self.Partner
        vat = row.get('vat')
        country_code = vat[:2].upper() if vat and vat[:2].isalpha() else \
            (self._country(row['country_id'])[0] if row.get('country_id') else None)
        mapping = EAS_MAPPING.get(country_code)
        if not mapping:
            return None, None

        def identifier(eas):
            name = mapping.get(eas)
            value = row.get(name) if name and name in Partner._fields else None
            return value if value and not Partner._build_error_peppol_endpoint(eas, value) else None

        eas = next((eas for eas in mapping if identifier(eas)), next(iter(mapping)))
        return eas, identifier(eas)

    def _phone_sanitized(self, row):
        """The first number of the row in E.164, for the row's country or the
        company's, as phone_validation's compute formats it (its per-record
        compute costs 3 ms a partner)."""
        from odoo.addons.phone_validation.tools import phone_validation  # noqa: PLC0415 (when installed)

        code, phone_code = self._country(row.get('country_id') or self.env.company.country_id.id)
        for fname in self.Partner._phone_get_number_fields():
            if row.get(fname):
                try:
                    return phone_validation.phone_format(row[fname], code, phone_code, force_format='E164',
                                                         raise_exception=True)
                except UserError:
                    continue
        return None

    def _complete(self, rows):
        """Compute the fields of COMPUTED_HERE and fill the defaults of the
        columns a row has no value for; return the columns written."""
        for row in rows:
            self._computed(row)
        written = {column for row in rows for column in row}
        in_every_row = set.intersection(*(set(row) for row in rows)) if rows else set()
        fields_ = self.Partner._fields
        missing = [
            name for name, field in fields_.items()
            # a company-dependent default is the fallback the ORM does not store
            if field.store and field.column_type and not field.compute and not field.company_dependent
            and name not in in_every_row and name not in ('create_uid', 'create_date', 'write_uid', 'write_date')
        ]
        defaults = self.Partner.default_get(missing)
        defaults = {name: fields_[name].convert_to_column(value, self.Partner) for name, value in defaults.items()
                    if value is not False or fields_[name].type == 'boolean'}
        stamps = {'create_uid': self.env.uid, 'write_uid': self.env.uid, 'create_date': self.now,
                  'write_date': self.now}
        for row in rows:
            for name, value in defaults.items():
                row.setdefault(name, value)
            row.update(stamps)
        return written | set(defaults) | set(stamps)

    def _compute_others(self, partners, written):
        """The ORM computes the stored fields not written above, on all the partners at once."""
        for name, field in self.Partner._fields.items():
            # (the images, kept as attachments, have no column: none is made for no image)
            if field.store and field.column_type and field.compute and name not in written:
                self.env.add_to_compute(field, partners)
        self.env.flush_all()
        self.env.invalidate_all()

    # -- inserts --------------------------------------------------------------------------
    def _ids(self, count):
        if not count:
            return []
        return [row[0] for row in self.env.execute_query(SQL(
            "SELECT nextval('res_partner_id_seq') FROM generate_series(1, %s)", count))]

    def _insert(self, rows, written):
        if not rows:
            return
        columns = sorted({column for row in rows for column in row} & written | {'id', 'parent_id'})
        column_list = SQL(', ').join(SQL.identifier(column) for column in columns)

        def value(row, column):
            value = row.get(column)
            return value['id'] if column == 'parent_id' and value else value

        try:
            # COPY: a tenth of the time of the multi-row INSERTs (7 min for 200,000 customers)
            data = copy_data([{column: value(row, column) for column in columns} for row in rows], columns)
        except TypeError:  # a value of a type COPY's text is not written for here
            data = None
        if data is not None:
            self.env.cr.copy_expert(SQL("COPY res_partner (%s) FROM STDIN", column_list).code, io.StringIO(data))
            return
        for chunk in batched(rows, INSERT_PAGE):
            self.env.cr.execute(SQL(
                "INSERT INTO res_partner (%s) VALUES %s", column_list,
                SQL(', ').join(SQL('%s', tuple(value(row, column) for column in columns)) for row in chunk),
            ))
