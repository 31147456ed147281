//! The real engine: Docker Engine API through bollard.
