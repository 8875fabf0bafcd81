#include "plugins/shell/shelloperatorplugin.h"

#include "plugins/shell/shellparams.h"
#include "plugins/shell/shellrun.h"

using millrace::plugins::TaskContext;
using millrace::plugins::TaskOutcome;

QJsonObject ShellOperatorPlugin::parameterSchema() const
{
    return millrace::shell::parameterSchema();
}

TaskOutcome ShellOperatorPlugin::run(TaskContext &context)
{
    // The DAG reader checked the params against the schema, but templates are rendered after that
    // check, so a rendered value can still have the wrong type: the params are checked again.
    QString error;
    const std::optional<millrace::shell::ShellParams> params =
        millrace::shell::parseParams(context.params(), context, error);
    if (!params)
        return TaskOutcome{false, QJsonValue(), error};
    millrace::shell::ShellRun shellRun(*params, context);
    return shellRun.exec();
}
