//! Reports. (Stub: being written.)
