//! The data connections page of a space.
