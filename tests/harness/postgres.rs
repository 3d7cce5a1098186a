//! The private PostgreSQL: password authentication, fresh databases, a stop and a start that
//! keep the data, and a drop that ends exactly its processes and removes its state.

use sqlx::Row;

use crate::support::{PG_PASSWORD, PG_USER, Postgres};

#[tokio::test]
async fn postgres_keeps_its_data_across_a_restart_and_drop_removes_everything() {
    let pg = Postgres::start().await;
    let state = pg.state_dir().to_path_buf();
    let pid = pg.pid().expect("a postmaster pid");
    let port = pg.port();
    let db = pg.create_database().await;
    let other = pg.create_database().await;
    assert_ne!(db, other, "each database is fresh");

    let mut conn = pg.connect(&db).await;
    sqlx::raw_sql("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')")
        .execute(&mut conn)
        .await
        .expect("write");
    drop(conn);

    // Only the password opens it.
    let wrong = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username(PG_USER)
        .password("not-the-password")
        .database(&db);
    assert!(
        <sqlx::PgConnection as sqlx::Connection>::connect_with(&wrong)
            .await
            .is_err()
    );
    assert_ne!(PG_PASSWORD, "not-the-password");

    pg.stop().await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
    pg.start_again().await;
    let mut conn = pg.connect(&db).await;
    let row = sqlx::query("SELECT v FROM t")
        .fetch_one(&mut conn)
        .await
        .expect("read");
    assert_eq!(row.get::<String, _>(0), "kept");
    drop(conn);

    let restarted = pg.pid().expect("a postmaster pid");
    assert_ne!(restarted, pid, "a new postmaster");
    let dump = String::from_utf8(pg.dump(&db).await).expect("UTF-8 dump");
    assert!(dump.contains("kept"), "{dump}");
    drop(pg);
    assert!(!state.exists(), "{} left behind", state.display());
    assert!(
        !std::path::Path::new(&format!("/proc/{restarted}")).exists()
            || std::fs::read_to_string(format!("/proc/{restarted}/stat"))
                .is_ok_and(|s| s.contains(" Z ")),
        "the postmaster outlived its drop"
    );
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}
