//! The reader: state, actions, messages, commands, `update` and the run loop.
