//! Every open stream is a socket, and the default soft limit of open files (often 1024)
//! would refuse connections long before memory or CPU run out. Raise it to the hard limit.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft limit.
#[cfg(unix)]
pub fn raise_to_hard_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    // rlim_t is u64 here but not on every platform.
    #[allow(clippy::unnecessary_cast)]
    Ok(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn raise_to_hard_limit() -> std::io::Result<u64> {
    Ok(0)
}
