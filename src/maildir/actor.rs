//! The Maildir actor: sole owner of the folder indexes; file I/O and parsing run on blocking
//! threads, rows stream from a loader task, the open folder is watched for changes.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::filename::{self, Sub};
use super::index::{Changes, FolderIndex};
use super::layout;
use super::rows::{self, RowSource};
use super::transfer;
use super::watch::{self, FolderWatch};
use crate::error::{Error, ErrorKind};
use crate::mail::{
    ConnectionState, Erase, EraseDone, Flags, FolderAccess, ReqId, Row, SourceCommand, SourceEvent,
    Transfer, TransferKind, parse_job,
};

/// Rows are sent in chunks of this many after the first window.
const CHUNK: usize = 1000;
/// Fewer rows than this are built on one thread (splitting them costs more than it saves).
const PARALLEL_FROM: usize = 200;

/// After a file event, wait for this much quiet before rescanning (a burst of deliveries, or a
/// file written in place rather than moved in from `tmp/`)...
const SETTLE: Duration = Duration::from_millis(40);
/// ...but never longer than this.
const SETTLE_MAX: Duration = Duration::from_millis(400);

/// The reader stopped listening: the actor ends.
struct Gone;

type Step = Result<(), Gone>;

struct Actor {
    root: PathBuf,
    events: mpsc::Sender<SourceEvent>,
    indexes: HashMap<String, FolderIndex>,
    /// The folder being shown and watched.
    open: Option<String>,
    watch: Option<FolderWatch>,
    wake: mpsc::Sender<()>,
    loader: Option<JoinHandle<()>>,
    /// The search under way: its request and the flag that stops it.
    searching: Option<(ReqId, super::search::Cancel)>,
    /// The threading under way, and what was read of the folder before.
    threading: super::threading::Threading,
}

pub(super) async fn run(
    root: PathBuf,
    mut commands: mpsc::Receiver<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
) {
    let (wake, mut woken) = watch::channel();
    let mut actor = Actor {
        root,
        events,
        indexes: HashMap::new(),
        open: None,
        watch: None,
        wake,
        loader: None,
        searching: None,
        threading: super::threading::Threading::default(),
    };
    // The same sequence as IMAP's, so that the reader needs no special case.
    if actor
        .send(SourceEvent::Connection(ConnectionState::Connecting))
        .await
        .is_err()
    {
        return;
    }
    if !layout::is_maildir(&actor.root) {
        let reason = format!(
            "{} is not a Maildir (no cur/ and new/)",
            actor.root.display()
        );
        let reason = crate::sanitize::line(&reason).into_owned();
        let _ = actor
            .send(SourceEvent::Connection(ConnectionState::Failed { reason }))
            .await;
        return;
    }
    let online = ConnectionState::Online {
        live: super::LIVE,
        insecure: false,
    };
    if actor.send(SourceEvent::Connection(online)).await.is_err() {
        return;
    }
    loop {
        let step = tokio::select! {
            command = commands.recv() => match command {
                None | Some(SourceCommand::Shutdown) => break,
                Some(command) => actor.handle(command).await,
            },
            Some(()) = woken.recv() => {
                settle(&mut woken).await;
                actor.rescan().await
            }
        };
        if step.is_err() {
            break;
        }
    }
    if let Some(loader) = actor.loader.take() {
        loader.abort();
    }
}

/// Waits until file events stop coming for `SETTLE`, or `SETTLE_MAX` has passed.
async fn settle(woken: &mut mpsc::Receiver<()>) {
    let deadline = tokio::time::Instant::now() + SETTLE_MAX;
    while tokio::time::timeout_at(
        deadline.min(tokio::time::Instant::now() + SETTLE),
        woken.recv(),
    )
    .await
    .is_ok_and(|woke| woke.is_some())
    {}
}

/// Runs blocking file work off the async executor.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| io::Error::other(format!("a background task failed: {e}")))
}

impl Actor {
    async fn send(&self, event: SourceEvent) -> Step {
        self.events.send(event).await.map_err(|_| Gone)
    }

    /// A notice for the status line; it may quote a path or an OS error, so it is sanitised.
    async fn notice(&self, text: String) -> Step {
        let text = crate::sanitize::line(&text).into_owned();
        self.send(SourceEvent::Notice(text)).await
    }

    async fn handle(&mut self, command: SourceCommand) -> Step {
        match command {
            SourceCommand::ListFolders => self.list_folders().await,
            SourceCommand::OpenFolder {
                req,
                folder,
                window,
            } => self.open_folder(req, folder, window).await,
            SourceCommand::FetchMessage {
                req,
                folder,
                uid,
                mark_seen,
            } => self.fetch(req, folder, uid, mark_seen).await,
            SourceCommand::SetFlag {
                folder,
                uid,
                flag,
                on,
            } => self.set_flag(folder, uid, flag, on).await,
            SourceCommand::FetchSource { req, folder, uid } => {
                self.fetch_source(req, folder, uid).await
            }
            SourceCommand::Transfer(job) => self.transfer(job).await,
            SourceCommand::Erase(job) => self.erase(job).await,
            SourceCommand::SaveAttachments(request) => self.save_attachments(request).await,
            SourceCommand::ChangeFolder { req, change } => {
                let root = self.root.clone();
                let change_done = change.clone();
                let done = blocking(move || layout::change(&root, &change))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                // A folder renamed or deleted: its index (and its UIDs) go with it.
                match &change_done {
                    crate::mail::FolderChange::Rename { from, .. } => {
                        self.indexes.remove(from);
                    }
                    crate::mail::FolderChange::Delete { name } => {
                        self.indexes.remove(name);
                    }
                    crate::mail::FolderChange::Create { .. } => {}
                }
                let error = done.err();
                let changed = error.is_none();
                self.send(SourceEvent::FolderChanged { req, error }).await?;
                if changed {
                    return self.list_folders().await;
                }
                Ok(())
            }
            // A Maildir is read whole in a moment: it keeps no header cache.
            SourceCommand::ResumeFolder {
                req,
                folder,
                window,
                ..
            } => self.open_folder(req, folder, window).await,
            SourceCommand::SaveCache { .. } => Ok(()),
            SourceCommand::Search(job) => self.search(job),
            SourceCommand::SearchAll(job) => self.search_all(job),
            SourceCommand::CancelSearch { req } => {
                if let Some((_, cancel)) = self.searching.take_if(|(r, _)| *r == req) {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(())
            }
            SourceCommand::Threads {
                req,
                folder,
                subject_fallback,
            } => {
                self.threads(req, folder, subject_fallback);
                Ok(())
            }
            SourceCommand::Shutdown => Ok(()),
        }
    }

    /// Threads a folder on a blocking thread (a newer request stops an older one); the
    /// answer goes straight to the reader.
    fn threads(&mut self, req: ReqId, folder: String, subject_fallback: bool) {
        let sources = self.sources_of(&folder, None);
        let cancel = super::search::Cancel::default();
        if let Some(old) = self.threading.cancel.replace(Arc::clone(&cancel)) {
            old.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let read = Arc::clone(&self.threading.read);
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let result = match sources {
                None => Err("the folder threaded is no longer open".to_owned()),
                Some(sources) => {
                    match super::threading::run(&folder, &sources, subject_fallback, &cancel, &read)
                    {
                        Some(forest) => Ok(forest),
                        None => return,
                    }
                }
            };
            let _ = events.blocking_send(SourceEvent::Threads {
                req,
                folder,
                result,
                by: crate::mail::ThreadedBy::Client,
            });
        });
    }

    /// Starts a search of the open folder on a blocking thread (a newer one stops it; a
    /// search among new mail runs beside it); its progress and its answer go straight to the
    /// reader.
    fn search(&mut self, job: crate::mail::search::SearchRequest) -> Step {
        use crate::mail::search::Hits;
        let sources = self.sources_of(&job.folder, job.within.as_deref());
        let cancel = super::search::Cancel::default();
        if job.within.is_none() {
            if let Some((_, old)) = self.searching.take() {
                old.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            self.searching = Some((job.req, Arc::clone(&cancel)));
        }
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let Some(sources) = sources else {
                let done = job.done(Err("the folder searched is no longer open".into()));
                let _ = events.blocking_send(SourceEvent::Searched(done));
                return;
            };
            let (req, total) = (job.req, count(sources.len()));
            let mut progress = |done: usize| {
                let _ = events.try_send(SourceEvent::SearchProgress {
                    req,
                    done: count(done),
                    total,
                });
            };
            if let Some(uids) = super::search::run(&sources, &job.query, &cancel, &mut progress) {
                let _ = events.blocking_send(SourceEvent::Searched(job.done(Ok(Hits::All(uids)))));
            }
        });
        Ok(())
    }

    /// Searches every folder named, one after the other, on a blocking thread; a newer
    /// search (or its cancel) stops it.
    fn search_all(&mut self, job: crate::mail::search::SearchAllRequest) -> Step {
        use crate::mail::search::FolderHits;
        if let Some((_, old)) = self.searching.take() {
            old.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let cancel = super::search::Cancel::default();
        self.searching = Some((job.req, Arc::clone(&cancel)));
        let (root, events) = (self.root.clone(), self.events.clone());
        tokio::task::spawn_blocking(move || {
            let total = count(job.folders.len());
            for (i, folder) in job.folders.iter().enumerate() {
                let result = match layout::folder_path(&root, folder) {
                    Some(dir) if layout::is_maildir(&dir) => {
                        match super::search::count_in(&dir, &job.query, &cancel) {
                            Some(n) => Ok(n),
                            None => return,
                        }
                    }
                    _ => Err("there is no such folder".to_string()),
                };
                let hits = FolderHits {
                    req: job.req,
                    folder: folder.clone(),
                    result,
                    done: count(i + 1),
                    total,
                };
                if events.blocking_send(SourceEvent::FolderHits(hits)).is_err() {
                    return;
                }
            }
        });
        Ok(())
    }

    /// The row sources of a folder's indexed messages, newest first (only `within`, when
    /// given); `None` when the folder is not indexed.
    fn sources_of(&self, folder: &str, within: Option<&[u32]>) -> Option<Vec<RowSource>> {
        let index = self.indexes.get(folder)?;
        let folder_dir: Arc<Path> = Arc::from(index.dir());
        Some(
            index
                .newest_first()
                .filter(|entry| within.is_none_or(|w| w.contains(&entry.uid)))
                .map(|entry| RowSource {
                    folder_dir: Arc::clone(&folder_dir),
                    entry: entry.clone(),
                })
                .collect(),
        )
    }

    async fn list_folders(&mut self) -> Step {
        let root = self.root.clone();
        match blocking(move || layout::folders(&root))
            .await
            .and_then(|r| r)
        {
            Ok(folders) => {
                let names: Vec<String> = folders.iter().map(|f| f.name.clone()).collect();
                self.send(SourceEvent::Folders(folders)).await?;
                self.send_counts(names).await
            }
            Err(e) => self.notice(format!("cannot list the folders: {e}")).await,
        }
    }

    /// Counts the folders named (but the open one, whose list is its count) on a blocking
    /// thread and reports them.
    async fn send_counts(&mut self, names: Vec<String>) -> Step {
        let root = self.root.clone();
        let open = self.open.clone();
        let counts = blocking(move || {
            names
                .into_iter()
                .filter(|name| open.as_ref() != Some(name))
                .filter_map(|name| {
                    let dir = layout::folder_path(&root, &name)?;
                    Some((name, layout::count(&dir).ok()?))
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        if counts.is_empty() {
            return Ok(());
        }
        self.send(SourceEvent::FolderCounts(counts)).await
    }

    /// Brings a folder's index up to date on a blocking thread (creating it on first use).
    async fn sync(&mut self, folder: &str, dir: PathBuf) -> io::Result<Changes> {
        let mut index = self
            .indexes
            .remove(folder)
            .unwrap_or_else(|| FolderIndex::new(dir.clone()));
        let (index, changes) = blocking(move || {
            let changes = index.sync();
            (index, changes)
        })
        .await
        // A failed task took the index with it: start a fresh one (UIDs start again).
        .unwrap_or_else(|e| (FolderIndex::new(dir), Err(e)));
        self.indexes.insert(folder.to_owned(), index);
        changes
    }

    async fn open_folder(&mut self, req: ReqId, folder: String, window: u32) -> Step {
        if let Some(loader) = self.loader.take() {
            loader.abort();
        }
        let Some(dir) = layout::folder_path(&self.root, &folder).filter(|d| layout::is_maildir(d))
        else {
            self.notice(format!("there is no folder {folder}")).await?;
            return self.send_empty(req, folder).await;
        };
        // Watch before scanning, so that nothing delivered in between is missed.
        if self.open.as_deref() != Some(folder.as_str()) || self.watch.is_none() {
            self.watch = None;
            match FolderWatch::start(&dir, self.wake.clone()) {
                Ok(watch) => self.watch = Some(watch),
                Err(e) => {
                    self.notice(format!("new mail will not show by itself: {e}"))
                        .await?
                }
            }
            self.open = Some(folder.clone());
        }
        if let Err(e) = self.sync(&folder, dir.clone()).await {
            self.notice(format!("cannot read the folder: {e}")).await?;
            return self.send_empty(req, folder).await;
        }
        let Some(index) = self.indexes.get(&folder) else {
            return self.send_empty(req, folder).await;
        };
        let total = count(index.len());
        let shared_dir: Arc<Path> = Arc::from(dir.as_path());
        let sources: Vec<RowSource> = index
            .newest_first()
            .map(|entry| RowSource {
                folder_dir: Arc::clone(&shared_dir),
                entry: entry.clone(),
            })
            .collect();
        let access = layout::access(&dir);
        self.send(SourceEvent::FolderOpened {
            req,
            folder,
            total,
            access,
        })
        .await?;
        let window = usize::try_from(window).unwrap_or(CHUNK).max(1);
        self.loader = Some(tokio::spawn(stream_rows(
            self.events.clone(),
            req,
            sources,
            window,
            total,
        )));
        Ok(())
    }

    async fn send_empty(&self, req: ReqId, folder: String) -> Step {
        self.send(SourceEvent::FolderOpened {
            req,
            folder,
            total: 0,
            access: FolderAccess::default(),
        })
        .await?;
        self.send(SourceEvent::FolderLoaded { req, total: 0 }).await
    }

    /// The message's file, whole, for the source view.
    async fn fetch_source(&mut self, req: ReqId, folder: String, uid: u32) -> Step {
        let found = self
            .indexes
            .get(&folder)
            .and_then(|index| Some((index.dir().to_path_buf(), index.get(uid)?.clone())));
        let result = match found {
            None => Err(Error::new(
                ErrorKind::NotFound,
                "this message is no longer in the folder",
            )),
            Some((dir, entry)) => blocking(move || read(&dir, entry.sub, &entry.name))
                .await
                .map_err(|e| {
                    Error::new(ErrorKind::Io, "cannot read the message").with_details(e.to_string())
                })
                .and_then(|r| r),
        };
        self.send(SourceEvent::Source {
            req,
            result: result.map(Arc::from),
        })
        .await
    }

    /// Saves attachments of a message: its file is read, and a thread of its own decodes and
    /// writes them (`mail::save`).
    async fn save_attachments(&mut self, request: crate::mail::SaveRequest) -> Step {
        let found = self
            .indexes
            .get(&request.folder)
            .and_then(|index| Some((index.dir().to_path_buf(), index.get(request.uid)?.clone())));
        let raw = match found {
            None => Err("this message is no longer in the folder".to_owned()),
            Some((dir, entry)) => blocking(move || read(&dir, entry.sub, &entry.name))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string())),
        };
        match raw {
            Ok(raw) => {
                crate::mail::save::spawn(request, raw, self.events.clone());
                Ok(())
            }
            Err(error) => {
                self.send(SourceEvent::Saved(crate::mail::SaveDone::failed(
                    request.req,
                    error,
                )))
                .await
            }
        }
    }

    async fn fetch(&mut self, req: ReqId, folder: String, uid: u32, mark_seen: bool) -> Step {
        let found = self
            .indexes
            .get(&folder)
            .and_then(|index| Some((index.dir().to_path_buf(), index.get(uid)?.clone())));
        let Some((dir, entry)) = found else {
            let error = Error::new(
                ErrorKind::NotFound,
                "this message is no longer in the folder",
            );
            return self
                .send(SourceEvent::Message {
                    req,
                    result: Err(error),
                })
                .await;
        };
        let seen = entry.flags.contains(Flags::SEEN);
        let result = blocking(move || read(&dir, entry.sub, &entry.name))
            .await
            .map_err(|e| {
                Error::new(ErrorKind::Io, "cannot read the message").with_details(e.to_string())
            })
            .and_then(|r| r);
        let raw = match result {
            Ok(raw) => raw,
            Err(error) => {
                return self
                    .send(SourceEvent::Message {
                        req,
                        result: Err(error),
                    })
                    .await;
            }
        };
        // Parsed on a thread of its own that reports to the app: the actor goes on.
        parse_job::spawn(req, uid, raw, self.events.clone());
        if mark_seen && !seen {
            self.set_flag(folder, uid, Flags::SEEN, true).await?;
        }
        Ok(())
    }

    async fn set_flag(&mut self, folder: String, uid: u32, flag: Flags, on: bool) -> Step {
        let Some(index) = self.indexes.get_mut(&folder) else {
            return Ok(());
        };
        let Some(entry) = index.get(uid).cloned() else {
            return Ok(());
        };
        let dir = index.dir().to_path_buf();
        let mut from = index.path_of(&entry);
        let mut name = entry.name.clone();
        let mut sub = entry.sub;
        if !from.exists() {
            // Another program renamed it since the last scan.
            if let Some((path, current)) = rows::relocate(&dir, filename::unique(&name)) {
                sub = if path.parent().is_some_and(|p| p.ends_with("new")) {
                    Sub::New
                } else {
                    Sub::Cur
                };
                from = path;
                name = current;
            }
        }
        let mut flags = match sub {
            Sub::New => Flags::default(),
            Sub::Cur => filename::flags(&name),
        };
        flags.set(flag, on);
        let new_name = filename::with_flags(&name, flags);
        let to = dir.join(Sub::Cur.dir()).join(&new_name);
        if from != to
            && let Err(e) = tokio::fs::rename(&from, &to).await
        {
            return self
                .notice(format!("cannot change the flags of a message: {e}"))
                .await;
        }
        index.renamed(uid, Sub::Cur, new_name);
        self.send(SourceEvent::FlagsChanged { folder, uid, flags })
            .await
    }

    /// Moves or copies messages to another folder; the open folder's change is reported as
    /// a rescan reports any other (the files left, or arrived).
    async fn transfer(&mut self, job: Transfer) -> Step {
        let dirs = layout::folder_path(&self.root, &job.folder)
            .zip(layout::folder_path(&self.root, &job.target).filter(|d| layout::is_maildir(d)));
        let Some((from, to)) = dirs else {
            let error = format!("there is no folder {}", job.target);
            return self.transfer_ended(job, vec![], Some(error)).await;
        };
        let files = match self.files_of(&job.folder, &from, &job.uids).await {
            Ok(files) => files,
            Err(e) => {
                let error = format!("cannot read the folder: {e}");
                return self.transfer_ended(job, vec![], Some(error)).await;
            }
        };
        let kind = job.kind;
        let (source, target) = (from.clone(), to.clone());
        let outcome = blocking(move || transfer::transfer(&source, &target, &files, kind))
            .await
            .unwrap_or_else(|e| transfer::Outcome {
                done: vec![],
                error: Some(e),
            });
        // The folders' indexes learn of the files that left and arrived.
        self.refresh(&job.folder, from).await?;
        self.refresh(&job.target, to).await?;
        let landed = self
            .indexes
            .get(&job.target)
            .map_or_else(Vec::new, |index| {
                outcome
                    .done
                    .iter()
                    .filter_map(|(uid, unique)| Some((*uid, index.uid_of(unique)?)))
                    .collect()
            });
        let error = outcome
            .error
            .map(|e| format!("cannot {} a message: {e}", verb(kind)));
        let mut job = job;
        job.progress.done = outcome.done.iter().map(|(uid, _)| *uid).collect();
        job.progress.done.sort_unstable();
        self.send_counts(vec![job.folder.clone(), job.target.clone()])
            .await?;
        self.transfer_ended(job, landed, error).await
    }

    async fn transfer_ended(
        &self,
        job: Transfer,
        landed: Vec<(u32, u32)>,
        error: Option<String>,
    ) -> Step {
        let mut job = job;
        // What is not done is still to do: the answer counts it as failed.
        job.uids = crate::mail::transfer::not_in(&job.uids, &job.progress.done);
        job.progress.landed = landed;
        self.send(SourceEvent::Transferred(job.ended(error))).await
    }

    /// Deletes messages for good.
    async fn erase(&mut self, job: Erase) -> Step {
        let Some(dir) = layout::folder_path(&self.root, &job.folder) else {
            return Ok(());
        };
        let (erased, error) = match self.files_of(&job.folder, &dir, &job.uids).await {
            Ok(files) => {
                let from = dir.clone();
                blocking(move || transfer::erase(&from, &files))
                    .await
                    .unwrap_or_else(|e| (vec![], Some(e)))
            }
            Err(e) => (vec![], Some(e)),
        };
        self.refresh(&job.folder, dir).await?;
        let mut all = job.uids.clone();
        all.sort_unstable();
        let mut done = erased.clone();
        done.sort_unstable();
        self.send(SourceEvent::Erased(EraseDone {
            req: job.req,
            folder: job.folder,
            erased,
            failed: crate::mail::transfer::not_in(&all, &done),
            error: error.map(|e| format!("cannot delete a message: {e}")),
        }))
        .await
    }

    /// The files of `uids` in `folder`, from its index (brought up to date first).
    async fn files_of(
        &mut self,
        folder: &str,
        dir: &Path,
        uids: &[u32],
    ) -> io::Result<Vec<transfer::MessageFile>> {
        if !self.indexes.contains_key(folder) {
            self.sync(folder, dir.to_path_buf()).await?;
        }
        let index = self
            .indexes
            .get(folder)
            .ok_or_else(|| io::Error::other("the folder's index is gone"))?;
        Ok(uids
            .iter()
            .filter_map(|uid| index.get(*uid))
            .map(|entry| transfer::MessageFile {
                uid: entry.uid,
                sub: entry.sub,
                name: entry.name.clone(),
            })
            .collect())
    }

    /// Brings a folder's index up to date after this actor changed it: the open folder
    /// reports what changed as a rescan does, another folder only learns it.
    async fn refresh(&mut self, folder: &str, dir: PathBuf) -> Step {
        if self.open.as_deref() == Some(folder) {
            return self.rescan().await;
        }
        if let Err(e) = self.sync(folder, dir).await {
            tracing::info!(target: "sealmail::maildir", "index not refreshed: {e}");
        }
        Ok(())
    }

    /// The open folder changed on disk: report what came, what went and what was re-flagged.
    async fn rescan(&mut self) -> Step {
        let Some(folder) = self.open.clone() else {
            return Ok(());
        };
        let Some(dir) = layout::folder_path(&self.root, &folder) else {
            return Ok(());
        };
        let changes = match self.sync(&folder, dir.clone()).await {
            Ok(changes) => changes,
            Err(e) => return self.notice(format!("cannot read the folder: {e}")).await,
        };
        if changes.is_empty() {
            return Ok(());
        }
        let Some(index) = self.indexes.get(&folder) else {
            return Ok(());
        };
        let total = count(index.len());
        let shared_dir: Arc<Path> = Arc::from(dir.as_path());
        let added: Vec<RowSource> = changes
            .added
            .iter()
            .rev()
            .filter_map(|uid| index.get(*uid))
            .map(|entry| RowSource {
                folder_dir: Arc::clone(&shared_dir),
                entry: entry.clone(),
            })
            .collect();
        if !changes.removed.is_empty() {
            self.send(SourceEvent::Expunged {
                folder: folder.clone(),
                uids: changes.removed,
                total,
            })
            .await?;
        }
        for (uid, flags) in changes.flags {
            self.send(SourceEvent::FlagsChanged {
                folder: folder.clone(),
                uid,
                flags,
            })
            .await?;
        }
        if !added.is_empty() {
            let rows = build_rows(added).await;
            self.send(SourceEvent::NewRows {
                folder,
                rows,
                total,
            })
            .await?;
        }
        Ok(())
    }
}

/// The verb of an error ("cannot move a message").
fn verb(kind: TransferKind) -> &'static str {
    match kind {
        TransferKind::Move => "move",
        TransferKind::Copy => "copy",
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds rows on blocking threads, a large batch split over the machine's cores; the order
/// of `sources` is kept.
async fn build_rows(sources: Vec<RowSource>) -> Vec<Row> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_task = sources.len().div_ceil(cores).max(PARALLEL_FROM);
    let mut sources = sources.into_iter();
    let mut tasks = Vec::new();
    loop {
        let part: Vec<RowSource> = sources.by_ref().take(per_task).collect();
        if part.is_empty() {
            break;
        }
        tasks.push(tokio::task::spawn_blocking(move || {
            part.iter().filter_map(rows::build).collect::<Vec<Row>>()
        }));
    }
    let mut rows = Vec::new();
    for task in tasks {
        // A task that failed loses its rows, not the folder.
        rows.extend(task.await.unwrap_or_default());
    }
    rows
}

/// Streams a folder's rows, newest first: the first window at once, then the rest in chunks.
async fn stream_rows(
    events: mpsc::Sender<SourceEvent>,
    req: ReqId,
    sources: Vec<RowSource>,
    window: usize,
    total: u32,
) {
    let mut sources = sources.into_iter();
    let mut size = window;
    let mut loaded = 0u32;
    loop {
        let chunk: Vec<RowSource> = sources.by_ref().take(size).collect();
        if chunk.is_empty() {
            break;
        }
        loaded = loaded.saturating_add(count(chunk.len()));
        let rows = build_rows(chunk).await;
        let event = SourceEvent::Rows {
            req,
            rows,
            loaded,
            total,
        };
        if events.send(event).await.is_err() {
            return;
        }
        size = CHUNK;
    }
    let _ = events.send(SourceEvent::FolderLoaded { req, total }).await;
}

/// Reads one message file (on a blocking thread), following a rename if another program
/// changed its flags meanwhile.
fn read(dir: &Path, sub: Sub, name: &str) -> Result<Vec<u8>, Error> {
    let path = dir.join(sub.dir()).join(name);
    match std::fs::read(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (moved, _) = rows::relocate(dir, filename::unique(name)).ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    "this message is no longer in the folder",
                )
            })?;
            std::fs::read(moved)
        }
        other => other,
    }
    .map_err(|e| Error::new(ErrorKind::Io, "cannot read the message").with_details(e.to_string()))
}
