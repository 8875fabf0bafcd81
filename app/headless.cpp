#include "app/headless.h"

#include "app/applog.h"
#include "app/commandline.h"
#include "app/unixsignals.h"
#include "core/pipeline/pipelineoperators.h"
#include "core/plugins/pluginmanager.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"

#include <QCoreApplication>
#include <QTextStream>

int runHeadless(const Invocation &invocation)
{
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, qApp,
                     [](int signalNumber) {
                         qCInfo(lcApp) << "signal" << signalNumber << "received, shutting down";
                         QCoreApplication::quit();
                     });

    millrace::SessionOptions options;
    options.pluginDirs = millrace::PluginManager::defaultSearchPaths();
    options.trackingPort = invocation.trackingPort;
    options.installExampleDags = invocation.exampleDags;
    auto session = millrace::Session::open(invocation.workspace, options);
    if (!session) {
        QTextStream(stderr) << "millrace: " << session.errorMessage() << "\n";
        return ExitFailure;
    }
    millrace::pipeline::installPipelineOperators(**session);
    (*session)->startServices();
    millrace::SchedulerSwitch schedulerSwitch((*session)->workspace().store());
    QObject::connect(
        &schedulerSwitch, &millrace::SchedulerSwitch::stateChanged, qApp, [](bool running) {
            qCInfo(lcApp) << "scheduled updates are" << (running ? "running" : "paused");
        });
    schedulerSwitch.load();
    qCInfo(lcApp).noquote() << "running headless on" << (*session)->workspace().root()
                            << "- stop with SIGINT or SIGTERM";
    const int code = QCoreApplication::exec();
    session->reset(); // drains queued writes, then releases the workspace lock
    return code;
}
