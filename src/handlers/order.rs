//! Call order per store. TensorFlow.js users start operations without
//! `await` and rely on them running in the order they were called
//! (`removeModel(url)`, then `await listModels()` must not list `url`).
//! Each operation on a store takes a turn synchronously when it is called,
//! before its first await; it starts once every earlier turn it conflicts
//! with has ended (readers wait only for earlier writers, writers for
//! everything earlier), and its turn ends when it settles, failed or
//! aborted included, so nothing waits on it forever.
//!
//! An operation that calls handlers itself (`copyModel` loading through the
//! router, then saving) takes the turns of both its models at call time and
//! runs those handler calls inside them (`Turn::run`): their own requests
//! for those models are then part of its turn instead of waiting behind it.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::task::{Poll, Waker};

use futures_util::future::{select, Either, LocalBoxFuture};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::options::Signal;
use super::store::settled;
use crate::bindings::error::Result;
use crate::bindings::js::get;

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    /// Resolves when `signal` aborts; `.cancel()` drops the listener.
    #[wasm_bindgen(js_name = whenAborted)]
    fn when_aborted(signal: &JsValue) -> Promise;
}

/// A store whose operations are ordered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Medium {
    IndexedDb,
    LocalStorage,
    Opfs,
    File,
}

/// A model in a store (`path`), or the whole store (`None`: listing).
/// File paths are absolute; one overlaps the folders it is inside.
#[derive(Clone, Debug)]
pub struct Place {
    medium: Medium,
    path: Option<String>,
}

impl Place {
    pub fn model(medium: Medium, path: &str) -> Self {
        Place { medium, path: Some(path.to_owned()) }
    }

    pub fn store(medium: Medium) -> Self {
        Place { medium, path: None }
    }

    fn overlaps(&self, other: &Place) -> bool {
        if self.medium != other.medium {
            return false;
        }
        match (&self.path, &other.path) {
            (Some(a), Some(b)) if self.medium == Medium::File => inside(a, b) || inside(b, a),
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// Whether the file path `inner` is `outer` or below it.
fn inside(inner: &str, outer: &str) -> bool {
    let outer = outer.trim_end_matches(['/', '\\']);
    inner.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '\\']))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

pub type Claim = (Place, Access);

struct Entry {
    id: u64,
    claims: Vec<Claim>,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Queue {
    next_id: u64,
    /// Turns not yet ended, in call order.
    entries: Vec<Entry>,
    /// The places of the turn whose `run` is on the stack.
    scope: Vec<Place>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

fn conflict(a: &[Claim], b: &[Claim]) -> bool {
    a.iter().any(|(p, x)| b.iter().any(|(q, y)| (*x == Access::Write || *y == Access::Write) && p.overlaps(q)))
}

/// An operation's place in the order; ends when dropped.
pub struct Turn {
    /// `None`: nothing to wait for (no claims, or all inside the running
    /// turn of the operation that made this call).
    id: Option<u64>,
    places: Vec<Place>,
}

impl Turn {
    /// Takes a turn now for `claims`.
    pub fn take(claims: Vec<Claim>) -> Turn {
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            let claims: Vec<Claim> =
                claims.into_iter().filter(|(p, _)| !q.scope.iter().any(|held| held.overlaps(p))).collect();
            if claims.is_empty() {
                return Turn { id: None, places: Vec::new() };
            }
            let id = q.next_id;
            q.next_id += 1;
            let places = claims.iter().map(|(p, _)| p.clone()).collect();
            q.entries.push(Entry { id, claims, waker: None });
            Turn { id: Some(id), places }
        })
    }

    /// Whether every earlier conflicting turn has ended; if not, `waker`
    /// is woken when one ends.
    fn ready_or_wake(&self, waker: Option<&Waker>) -> bool {
        let Some(id) = self.id else { return true };
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            let at = q.entries.iter().position(|e| e.id == id).expect("a live turn is queued");
            let (earlier, rest) = q.entries.split_at_mut(at);
            let mine = &mut rest[0];
            if earlier.iter().any(|e| conflict(&e.claims, &mine.claims)) {
                mine.waker = waker.cloned();
                false
            } else {
                true
            }
        })
    }

    pub fn ready(&self) -> bool {
        self.ready_or_wake(None)
    }

    /// Waits until this turn may start, or until `signal` aborts (the
    /// operation then fails at its first check, before any I/O).
    pub async fn wait(&self, signal: &Signal) {
        if self.ready() {
            return;
        }
        let turn =
            std::future::poll_fn(
                |cx| {
                    if self.ready_or_wake(Some(cx.waker())) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                },
            );
        if signal.js().is_undefined() {
            return turn.await;
        }
        let abort = when_aborted(signal.js());
        let cancel = get(&abort, "cancel");
        if let Either::Right(_) = select(Box::pin(turn), JsFuture::from(abort)).await {
            return;
        }
        if let Some(cancel) = cancel.dyn_ref::<Function>() {
            let _ = cancel.call0(&JsValue::UNDEFINED);
        }
    }

    /// Runs `f` (which starts handler calls) inside this turn.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        let before = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            let before = q.scope.len();
            q.scope.extend(self.places.iter().cloned());
            before
        });
        let out = f();
        QUEUE.with(|q| q.borrow_mut().scope.truncate(before));
        out
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let wakers: Vec<Waker> = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            q.entries.retain(|e| e.id != id);
            q.entries.iter_mut().filter_map(|e| e.waker.take()).collect()
        });
        // Woken tasks look again; those still blocked wait again.
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// The promise of an operation on a store: its turn taken now, the
/// operation (`op` given the turn, for `Turn::run`) started once the turn
/// comes, the turn ended when the operation settles.
pub fn in_turn<F, E>(claims: Vec<Claim>, signal: Signal, op: impl FnOnce(Rc<Turn>) -> F) -> Promise
where
    F: Future<Output = std::result::Result<JsValue, E>> + 'static,
    E: Into<JsValue>,
{
    let turn = Rc::new(Turn::take(claims));
    let op = op(turn.clone());
    after_turn(turn, signal, Box::pin(async move { op.await.map_err(Into::into) }))
}

/// `in_turn`'s promise, once for every operation (not one copy per
/// operation's future).
#[inline(never)]
fn after_turn(turn: Rc<Turn>, signal: Signal, op: LocalBoxFuture<'static, JsResult<JsValue>>) -> Promise {
    crate::bindings::js::promise(async move {
        turn.wait(&signal).await;
        let out = op.await;
        drop(turn);
        out
    })
}

/// `in_turn` for a synchronous operation (localStorage): run at once when
/// nothing earlier conflicts, so it stays synchronous when it can be.
pub fn in_turn_sync(claims: Vec<Claim>, signal: Signal, op: impl FnOnce() -> Result<JsValue> + 'static) -> Promise {
    let turn = Turn::take(claims);
    if turn.ready() {
        return settled(op());
    }
    crate::bindings::js::promise(async move {
        turn.wait(&signal).await;
        let out = op();
        drop(turn);
        Ok(out?)
    })
}

// The queue's rules, in Node (the lib's wasm tests; handlers are wasm only).
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn idb(path: &str, access: Access) -> Claim {
        (Place::model(Medium::IndexedDb, path), access)
    }

    fn file(path: &str, access: Access) -> Claim {
        (Place::model(Medium::File, path), access)
    }

    #[test]
    fn readers_wait_only_for_earlier_writers_and_writers_for_everything_earlier() {
        let read_a = Turn::take(vec![idb("a", Access::Read)]);
        let read_a_too = Turn::take(vec![idb("a", Access::Read)]);
        let write_a = Turn::take(vec![idb("a", Access::Write)]);
        let write_b = Turn::take(vec![idb("b", Access::Write)]);
        let read_after = Turn::take(vec![idb("a", Access::Read)]);
        let list = Turn::take(vec![(Place::store(Medium::IndexedDb), Access::Read)]);
        let other_store = Turn::take(vec![(Place::model(Medium::LocalStorage, "a"), Access::Write)]);
        assert!(read_a.ready() && read_a_too.ready() && write_b.ready() && other_store.ready());
        assert!(!write_a.ready() && !read_after.ready() && !list.ready());
        drop(read_a);
        assert!(!write_a.ready());
        drop(read_a_too);
        assert!(write_a.ready() && !read_after.ready());
        drop(write_a);
        assert!(read_after.ready() && !list.ready(), "the listing waits for the write of b");
        drop(write_b);
        assert!(list.ready());
    }

    #[test]
    fn a_file_location_orders_with_the_folders_around_and_inside_it() {
        let save = Turn::take(vec![file("/m/a", Access::Write)]);
        let sibling = Turn::take(vec![file("/m/ab", Access::Write)]);
        let list_root = Turn::take(vec![file("/m", Access::Read)]);
        let load_json = Turn::take(vec![file("/m/a/model.json", Access::Read)]);
        assert!(!list_root.ready() && !load_json.ready());
        assert!(sibling.ready(), "/m/ab is not inside /m/a");
        drop(save);
        assert!(load_json.ready() && !list_root.ready(), "the listing of /m waits for the write of /m/ab");
        drop(sibling);
        assert!(list_root.ready());
    }

    #[test]
    fn calls_made_inside_a_turn_run_in_it() {
        let copy = Turn::take(vec![idb("src", Access::Read), idb("dst", Access::Write)]);
        let later = Turn::take(vec![idb("dst", Access::Write)]);
        let (save, other) = copy
            .run(|| (Turn::take(vec![idb("dst", Access::Write)]), Turn::take(vec![idb("elsewhere", Access::Write)])));
        assert!(save.id.is_none() && save.ready(), "the copy's own save does not wait behind `later`");
        assert!(other.id.is_some(), "a place the copy does not hold takes a turn of its own");
        let after = Turn::take(vec![idb("src", Access::Write)]);
        assert!(after.id.is_some() && !after.ready(), "outside run() the scope is gone");
        drop(copy);
        assert!(later.ready());
    }
}
