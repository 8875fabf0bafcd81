#pragma once

struct Invocation;

/// `millrace workspace [info]`, `workspace get KEY`, `workspace set KEY VALUE`: a workspace's
/// schema version and lock holder, and its settings (tracking.port).
int runWorkspaceCommand(const Invocation &invocation);
/// The usage text of `millrace workspace`, for `millrace workspace --help`.
const char *workspaceUsage();
