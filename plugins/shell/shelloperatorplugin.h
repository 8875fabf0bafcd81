#pragma once

#include "plugins/api/taskoperator.h"

#include <QObject>

/// The "shell" task operator (Airflow's BashOperator): runs a command line with /bin/sh -c, or a
/// program with its arguments, in its own process group. Output goes to the task log line by
/// line; the result is the last line of stdout, stdout parsed as JSON, or nothing. Safe to run
/// from several executor threads at once: a try keeps all its state on its own stack.
class ShellOperatorPlugin : public QObject, public millrace::plugins::TaskOperator
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceTaskOperator_iid FILE "shell.json")
    Q_INTERFACES(millrace::plugins::TaskOperator)

public:
    /// command | argv, env, inherit_env, cwd, timeout, skip_exit_code, result.
    QJsonObject parameterSchema() const override;
    /// Runs one try; blocks until the command ends, times out or the try is cancelled.
    millrace::plugins::TaskOutcome run(millrace::plugins::TaskContext &context) override;
};
