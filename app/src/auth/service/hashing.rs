//! Argon2, the one deliberately expensive computation a request without an account can start
//! (a sign-in, an invitation), run under one bound for the whole process.

use std::cell::RefCell;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;
use crate::ids::new_secret;

/// How long a request waits for a turn at hashing before it is told to come back.
const HASHING_WAIT: Duration = Duration::from_secs(3);

type Job = Box<dyn FnOnce() + Send>;

/// As many hashing threads as there are cores, started on first use, each taking one
/// computation at a time, with a semaphore in front that waiters queue on.
///
/// Threads of their own rather than tokio's blocking pool, which grows to hundreds of threads
/// under a flood: each hashing thread keeps the 19 MiB an Argon2 computation needs (see
/// `computed`), so the memory hashing holds is that many times 19 MiB, whatever comes.
struct Hashers {
    turns: Arc<tokio::sync::Semaphore>,
    jobs: SyncSender<Job>,
}

fn hashers() -> &'static Hashers {
    static HASHERS: OnceLock<Hashers> = OnceLock::new();
    HASHERS.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, queue) = sync_channel::<Job>(threads);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&queue))
                .expect("starting a password-hashing thread");
        }
        Hashers {
            turns: Arc::new(tokio::sync::Semaphore::new(threads)),
            jobs,
        }
    })
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only to take the next job, never while running it.
        let next = queue.lock().map(|queue| queue.recv());
        match next {
            // A job that panics fails its own request (its answer channel closes) and leaves
            // the thread to take the next.
            Ok(Ok(job)) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            _ => return,
        }
    }
}

/// Runs an Argon2 computation on the hashing threads; past the wait for a turn, 503 with
/// Retry-After.
async fn hashed<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let busy = || AppError::Unavailable {
        message: "Sightline is checking many passwords right now. Try again in a few seconds."
            .into(),
        retry_after_secs: 5,
    };
    let hashers = hashers();
    let turn = tokio::time::timeout(HASHING_WAIT, Arc::clone(&hashers.turns).acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let (done, result) = tokio::sync::oneshot::channel();
    // The turn goes with the job and ends when it does, even if the request has gone: there
    // are never more jobs than turns, and the channel has room for each, so sending never waits.
    let job: Job = Box::new(move || {
        let _ = done.send(work());
        drop(turn);
    });
    hashers.jobs.try_send(job).map_err(AppError::internal)?;
    result.await.map_err(AppError::internal)
}

/// Argon2id with its default parameters, as a PHC string (`$argon2id$v=19$m=...`).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    hashed(move || hash_password_now(&password)).await?
}

/// Whether `password` matches `hash`; with no hash (no such account) it is checked against a
/// decoy, so that a wrong email costs as long as a wrong password and timing reveals no account.
pub(super) async fn verify_password(
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    hashed(move || {
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        PasswordHash::new(&hash).is_ok_and(|parsed| matches(password.as_bytes(), &parsed))
    })
    .await
}

/// A valid hash of nothing anyone knows.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password_now(&new_secret()).expect("hashing a random password cannot fail")
    })
}

fn hash_password_now(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    getrandom::getrandom(&mut salt_bytes).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(AppError::internal)?;
    let argon2 = Argon2::default();
    let output = computed(
        &argon2,
        password.as_bytes(),
        &salt_bytes,
        Params::DEFAULT_OUTPUT_LEN,
    )
    .map_err(AppError::internal)?;
    let hash = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params()).map_err(AppError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// What `PasswordVerifier` does, with the hash's own algorithm, version and parameters, on
/// this thread's memory.
fn matches(password: &[u8], hash: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let (Ok(algorithm), Ok(version), Ok(params), Ok(salt)) = (
        Algorithm::try_from(hash.algorithm),
        hash.version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(hash),
        salt.decode_b64(&mut salt_bytes),
    ) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    // `Output`'s equality is constant-time.
    computed(&argon2, password, salt, expected.len()).is_ok_and(|output| output == expected)
}

/// One Argon2 computation in the memory this thread keeps for it. Each hashing thread
/// allocates its 19 MiB once and reuses it: allocating it for every computation, as
/// `PasswordHasher` does, left the C allocator's heap fragmented, and a flood of 300 wrong
/// sign-ins kept 370 MB resident even on two threads.
fn computed(
    argon2: &Argon2,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> password_hash::Result<Output> {
    thread_local! {
        static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    MEMORY.with_borrow_mut(|memory| {
        memory.clear();
        memory.resize(argon2.params().block_count(), Block::default());
        Output::init_with(len, |out| {
            argon2
                .hash_password_into_with_memory(password, salt, out, &mut memory[..])
                .map_err(Into::into)
        })
    })
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_read_as_argon2s_own_both_ways() {
        // Hashes stored before this module computed them itself must still match, and the
        // ones it makes must be standard PHC strings any Argon2 library checks.
        let ours = hash_password_now("correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(matches(b"correct horse", &parsed));
        assert!(!matches(b"correct horsE", &parsed));

        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        let parsed = PasswordHash::new(&theirs).unwrap();
        assert!(matches(b"battery staple", &parsed));
        assert!(!matches(b"battery", &parsed));
    }

    #[test]
    fn a_hash_with_other_parameters_is_checked_with_its_own() {
        let params = Params::new(8 * 1024, 3, 1, None).unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"another salt 16b").unwrap();
        let older = argon2.hash_password(b"pw", &salt).unwrap().to_string();
        let parsed = PasswordHash::new(&older).unwrap();
        assert!(matches(b"pw", &parsed));
        assert!(!matches(b"pW", &parsed));
    }
}
