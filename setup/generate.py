"""Fill an Odoo 18.0 database with the credit-control sample data.

Called by setup/generate, which passes --addons-path and --data-dir:
    generate.py --addons-path P --data-dir D --db NAME [--customers N] [--invoices N]
                [--seed S] [--months M] [--today YYYY-MM-DD] [--sql] [--log-level info]
Exit code 2 when the database does not exist, has no accounting, already
holds sample data, or holds an SQL generation stopped with other arguments.

With --sql the setup (companies, customers) and then each chunk of invoices
are committed: a generation stopped on the way (the process killed, the
machine stopped) goes on where it stopped when the same command is run again
(the same arguments; without --today, the day it started on).
"""
import argparse
import datetime
import os
import sys

os.environ.setdefault('TZ', 'UTC')


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--addons-path', required=True)
    parser.add_argument('--data-dir', required=True)
    parser.add_argument('--db', required=True)
    parser.add_argument('--customers', type=int, default=60)
    parser.add_argument('--invoices', type=int, default=900)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--months', type=int, default=18)
    parser.add_argument('--today', type=datetime.date.fromisoformat, help='YYYY-MM-DD (default: today)')
    parser.add_argument('--sql', action='store_true', help='write invoices set-based in SQL (benchmarks)')
    parser.add_argument('--log-level', default='warn', help="Odoo's (info: the SQL writer's progress)")
    args = parser.parse_args(argv)
    for name in ('customers', 'invoices', 'months'):
        if getattr(args, name) < (1 if name != 'invoices' else 0):
            parser.error(f'--{name} must be positive')
    return args


def fail(message):
    print(f'generate: error: {message}', file=sys.stderr)
    sys.exit(2)


def database_exists(name):
    import odoo.sql_db  # noqa: PLC0415
    with odoo.sql_db.db_connect('postgres').cursor() as cr:
        cr.execute('SELECT 1 FROM pg_database WHERE datname = %s', [name])
        return bool(cr.fetchone())


def main(argv=None):
    args = parse_args(argv)
    # imported after the arguments: --help stays fast
    from sample import SampleDataError, generate, stopped_generation  # noqa: PLC0415 (setup/sample/)

    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([
        '--addons-path', args.addons_path, '--data-dir', args.data_dir,
        '-d', args.db, '--no-http', '--log-level', args.log_level,
    ])
    if not database_exists(args.db):
        fail(f'database {args.db!r} does not exist (create it first, e.g. with setup/run)')
    registry = odoo.modules.registry.Registry(args.db)
    if 'account.move' not in registry:
        fail(f'the module account is not installed in {args.db!r}')
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        stopped = args.sql and stopped_generation(env)
        if stopped:
            # a generation that goes on the next day keeps its day
            args.today = args.today or datetime.date.fromisoformat(stopped['arguments']['today'])
            print(f"{args.db}: going on with the generation stopped after {stopped['invoices_written']} invoices"
                  f" of {stopped['arguments']['invoices']} (--today {stopped['arguments']['today']})", flush=True)
        elif args.sql:
            print(f"{args.db}: the setup and each chunk of invoices are committed as they are written: if this"
                  " stops, the same command goes on where it stopped", flush=True)
        try:
            counts = generate(env, customers=args.customers, invoices=args.invoices, seed=args.seed,
                              months=args.months, today=args.today, sql=args.sql,
                              receipts=not args.sql, commit=cr.commit if args.sql else None)
        except SampleDataError as error:
            fail(str(error))
        cr.commit()
    summary = ', '.join(f'{value} {key}' for key, value in counts.items() if key != 'seconds')
    print(f"{args.db}: {summary} in {counts['seconds']} s (seed {args.seed}{', SQL' if args.sql else ''})")


if __name__ == '__main__':
    main()
