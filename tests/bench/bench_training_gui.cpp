// How long the GUI thread stalls while a training job runs, through the real window: the main
// window on the Experiments panel (polling the workspace each second), the Train dialog showing
// live progress and charts, and a CNN training on Fashion-MNIST on the session's trainer
// thread. A 10 ms timer on the GUI thread measures how late each tick comes; a stall is that
// lateness. Reports the p50, p99 and worst stall while idle and while training (goal: p99 while
// training < 50 ms). Runs under the offscreen platform.
// Usage: bench_training_gui [TRAINING_IMAGES]  (default 12,000; two epochs)

#include "core/plugins/pluginmanager.h"
#include "core/training/trainingservice.h"
#include "core/workspace/session.h"
#include "guistall.h"
#include "ui/dialogs/traindialog.h"
#include "ui/mainwindow/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QListWidget>
#include <QLoggingCategory>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace millrace;
using guistall::child;
using guistall::measureStalls;
using guistall::percentile;
using guistall::report;

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QLoggingCategory::setFilterRules(
        QStringLiteral("default.warning=false\nmillrace.*.info=false"));
    const int images = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 12000;

    QTemporaryDir dir;
    SessionOptions options;
    options.trackingServer = false;
    options.pluginDirs = PluginManager::defaultSearchPaths();
    auto opened = Session::open(dir.filePath(QStringLiteral("workspace")), options);
    if (!opened)
        qFatal("%s", qPrintable(opened.errorMessage()));
    Session &session = **opened;
    session.startServices();

    ui::MainWindow window;
    window.resize(1200, 780);
    window.show();
    window.attachSession(session);
    window.showPanel(2); // Experiments: it polls the workspace while the run logs
    child<QAction>(window, "trainAction")->trigger();
    auto *dialog = window.findChild<ui::TrainDialog *>();
    if (!dialog)
        qFatal("no Train dialog");
    child<QComboBox>(*dialog, "dataKind")->setCurrentIndex(0);
    child<QSpinBox>(*dialog, "trainLimit")->setValue(images);
    child<QSpinBox>(*dialog, "epochs")->setValue(2);
    child<QLineEdit>(*dialog, "experiment")->setText(QStringLiteral("stall"));

    QElapsedTimer idle;
    idle.start();
    const std::vector<double> idleStalls = measureStalls([&] { return idle.elapsed() > 3000; });

    int epochs = 0;
    QObject::connect(session.training(), &training::TrainingService::epochFinished, &app,
                     [&] { ++epochs; });
    child<QPushButton>(*dialog, "trainButton")->click();
    QElapsedTimer training;
    training.start();
    const std::vector<double> stalls = measureStalls([&] { return !dialog->isTraining(); });
    const double seconds = training.elapsed() / 1000.0;
    if (epochs != 2)
        qFatal("the job did not train two epochs (%d)", epochs);

    report("gui_stall_idle_p50", percentile(idleStalls, 0.5), "ms");
    report("gui_stall_idle_p99", percentile(idleStalls, 0.99), "ms");
    report("gui_stall_training_p50", percentile(stalls, 0.5), "ms");
    report("gui_stall_training_p99", percentile(stalls, 0.99), "ms");
    report("gui_stall_training_max", percentile(stalls, 1.0), "ms");
    report("gui_training_job_seconds", seconds, "s");
    std::printf("# %zu ticks while training %d images for 2 epochs\n", stalls.size(), images);
    window.detachSession();
    return 0;
}
