//! Who may do what with a space's connections, and a connection's settings as people get them
//! wrong.

use super::*;

use crate::spaces::rules::SpaceRole::*;
use crate::spaces::rules::SpaceType::*;

#[test]
fn the_space_roles_say_who_makes_and_who_uses_connections() {
    let cases: &[(SpaceType, bool, &[SpaceRole], bool, bool)] = &[
        // space, owner, roles, may use, may manage
        (Personal, true, &[], true, true),
        (Personal, false, &[], false, false),
        (Shared, true, &[], true, true),
        (Shared, false, &[Facilitator], true, true),
        (Shared, false, &[Producer], true, true),
        (Shared, false, &[CoDeveloper], true, false),
        (Shared, false, &[DataConsumer], true, false),
        (Shared, false, &[Consumer], false, false),
        (Shared, false, &[Consumer, DataConsumer], true, false),
        (Managed, false, &[Facilitator], true, true),
        (Managed, false, &[Publisher], false, false),
        (Managed, false, &[DataConsumer], true, false),
        (Managed, false, &[Consumer, Contributor], false, false),
        (Managed, false, &[], false, false),
    ];
    for &(space, owner, roles, use_, manage) in cases {
        assert_eq!(
            access(space, owner, roles),
            ConnectionAccess { use_, manage },
            "{space:?} owner={owner} {roles:?}"
        );
    }
}

fn postgres() -> ConnectionInput {
    ConnectionInput {
        space_id: "s".into(),
        name: "Warehouse".into(),
        kind: "postgres".into(),
        host: "DB.example.com".into(),
        port: None,
        database: "sales".into(),
        username: "reader".into(),
        password: Some("secret".into()),
        ..Default::default()
    }
}

#[test]
fn a_connection_is_checked_and_each_mistake_named() {
    let folders = vec!["exports".to_string()];
    let good = check_input(&postgres(), &folders).unwrap();
    assert_eq!((good.host.as_str(), good.port), ("db.example.com", 5432));
    let mysql = ConnectionInput {
        kind: "MariaDB".into(),
        port: Some(3307),
        ..postgres()
    };
    let mysql = check_input(&mysql, &folders).unwrap();
    assert_eq!((mysql.kind, mysql.port), (ConnectionKind::Mysql, 3307));
    let cases: Vec<(ConnectionInput, &str, &str)> = vec![
        (
            ConnectionInput {
                name: " ".into(),
                ..postgres()
            },
            "name",
            "Give the connection a name",
        ),
        (
            ConnectionInput {
                kind: "oracle".into(),
                ..postgres()
            },
            "kind",
            "not a kind of connection",
        ),
        (
            ConnectionInput {
                host: "".into(),
                ..postgres()
            },
            "host",
            "host name or address",
        ),
        (
            ConnectionInput {
                host: "db/x".into(),
                ..postgres()
            },
            "host",
            "host name or address",
        ),
        (
            ConnectionInput {
                port: Some(0),
                ..postgres()
            },
            "port",
            "from 1 to 65535",
        ),
        (
            ConnectionInput {
                database: "".into(),
                ..postgres()
            },
            "database",
            "Name the database",
        ),
        (
            ConnectionInput {
                username: "".into(),
                ..postgres()
            },
            "username",
            "database user",
        ),
        (
            ConnectionInput {
                name: "a\nb".into(),
                ..postgres()
            },
            "name",
            "no line breaks",
        ),
        (
            ConnectionInput {
                kind: "folder".into(),
                folder: "home".into(),
                ..postgres()
            },
            "folder",
            "Choose one of the server folders allowed: exports",
        ),
        (
            ConnectionInput {
                kind: "sqlite".into(),
                folder: "exports".into(),
                path: "".into(),
                ..postgres()
            },
            "path",
            "Name the SQLite file",
        ),
        (
            ConnectionInput {
                kind: "sqlite".into(),
                folder: "exports".into(),
                path: "../etc/passwd".into(),
                ..postgres()
            },
            "path",
            "not a path inside the folder",
        ),
    ];
    for (input, field, message) in cases {
        match check_input(&input, &folders) {
            Err(AppError::Invalid {
                field: Some(f),
                message: m,
            }) => {
                assert_eq!(f, field, "{m}");
                assert!(m.contains(message), "{m}");
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
    let none = check_input(
        &ConnectionInput {
            kind: "folder".into(),
            ..postgres()
        },
        &[],
    )
    .unwrap_err();
    assert!(none.to_string().contains("data_folders"), "{none}");
}

#[test]
fn a_path_stays_inside_its_folder() {
    let cases: &[(&str, Option<&[&str]>)] = &[
        ("", Some(&[])),
        ("sales/2026.csv", Some(&["sales", "2026.csv"])),
        ("./sales//2026.csv", Some(&["sales", "2026.csv"])),
        ("../secrets", None),
        ("sales/../../etc", None),
        ("/etc/passwd", None),
        ("C:\\data", None),
        ("a\\..\\b", None),
        ("a\0b", None),
    ];
    for &(path, parts) in cases {
        let got = relative_path(path).ok();
        let want = parts.map(|p| p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "{path:?}");
    }
}

#[test]
fn the_operators_folders_are_read_from_the_setting() {
    assert_eq!(
        parse_folders("exports=/srv/exports/, hr = /srv/hr").unwrap(),
        vec![
            ("exports".into(), "/srv/exports".into()),
            ("hr".into(), "/srv/hr".into())
        ]
    );
    assert_eq!(parse_folders("").unwrap(), vec![]);
    for bad in ["exports", "x=relative", "a=/x,a=/y", "no/slash=/x"] {
        assert!(parse_folders(bad).is_err(), "{bad}");
    }
}

#[test]
fn connections_reach_only_the_hosts_a_tenant_allows() {
    let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
    let none: Vec<HostPattern> = Vec::new();
    let listed =
        parse_hosts("# ours\ndb.corp.example\n*.warehouse.example\n10.1.0.0/16\n127.0.0.1\n")
            .unwrap();
    let cases: Vec<(&[HostPattern], &str, Vec<IpAddr>, bool)> = vec![
        // patterns, host, its addresses, allowed
        (&none, "db.example.com", vec![ip("93.184.216.34")], true),
        (&none, "localhost", vec![ip("127.0.0.1")], false),
        (&none, "metadata", vec![ip("169.254.169.254")], false),
        (&none, "intranet", vec![ip("10.0.0.5")], false),
        (
            &none,
            "mixed",
            vec![ip("93.184.216.34"), ip("192.168.1.1")],
            false,
        ),
        (&none, "v6", vec![ip("::1")], false),
        (&none, "v6mapped", vec![ip("::ffff:127.0.0.1")], false),
        (&none, "ula", vec![ip("fd00::1")], false),
        (&none, "cgnat", vec![ip("100.64.0.1")], false),
        (&listed, "db.corp.example", vec![ip("10.9.9.9")], true),
        (&listed, "DB.CORP.EXAMPLE", vec![ip("10.9.9.9")], true),
        (&listed, "eu.warehouse.example", vec![ip("10.9.9.9")], true),
        (
            &listed,
            "warehouse.example",
            vec![ip("93.184.216.34")],
            false,
        ),
        (&listed, "10.1.2.3", vec![ip("10.1.2.3")], true),
        (&listed, "other", vec![ip("10.2.0.1")], false),
        (&listed, "127.0.0.1", vec![ip("127.0.0.1")], true),
        (&listed, "public.example", vec![ip("93.184.216.34")], false),
    ];
    for (patterns, host, addresses, allowed) in cases {
        assert_eq!(
            check_host(patterns, host, &addresses).is_ok(),
            allowed,
            "{host} {addresses:?}"
        );
    }
    let refused = check_host(&none, "localhost", &[ip("127.0.0.1")]).unwrap_err();
    assert!(refused.contains("tenant admin"), "{refused}");
    for bad in ["*.", "10.0.0.0/33", "a b", "x/y"] {
        assert!(parse_hosts(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_picked_table_is_read_by_a_query_that_quotes_its_name() {
    assert_eq!(
        table_query(ConnectionKind::Postgres, Some("public"), "order \"lines\""),
        r#"SELECT * FROM "public"."order ""lines""""#
    );
    assert_eq!(
        table_query(ConnectionKind::Mysql, Some("shop"), "a`b"),
        "SELECT * FROM `shop`.`a``b`"
    );
    assert_eq!(
        table_query(ConnectionKind::Sqlite, None, "t"),
        r#"SELECT * FROM "t""#
    );
    assert_eq!(check_query(" SELECT 1 ;\n").unwrap(), "SELECT 1");
    assert!(check_query(" ; ").is_err());
}

#[test]
fn files_of_a_folder_are_text_or_workbooks() {
    assert_eq!(file_kind("a.CSV"), Some(FileKind::Text));
    assert_eq!(file_kind("b.tsv"), Some(FileKind::Text));
    assert_eq!(file_kind("c.xlsx"), Some(FileKind::Workbook));
    assert_eq!(file_kind("d.xls"), None);
    assert_eq!(file_kind("e.parquet"), None);
}

#[test]
fn a_connection_reads_back_from_its_connect_statement() {
    let shown = crate::connections::model::Connection {
        id: "c".into(),
        space_id: "s".into(),
        space_name: "Sales".into(),
        name: "Warehouse".into(),
        kind: ConnectionKind::Postgres,
        host: "db.example.com".into(),
        port: 5433,
        database: "sales".into(),
        username: "reader".into(),
        has_password: true,
        folder: String::new(),
        path: String::new(),
        created_by: String::new(),
        created_at: 0,
        updated_at: 0,
        can_manage: true,
    };
    let statement = connect_statement(&shown);
    assert_eq!(
        statement,
        r#"CUSTOM CONNECT TO "provider=sightline;driver=postgres;host=db.example.com;port=5433;db=sales;""#
    );
    let pairs = parse_connect_statement(&statement);
    assert!(pairs.contains(&("driver".into(), "postgres".into())));
    assert!(pairs.contains(&("port".into(), "5433".into())));
    assert_eq!(
        parse_connect_statement("Host = x; DB=y"),
        vec![("host".into(), "x".into()), ("db".into(), "y".into())]
    );
}
