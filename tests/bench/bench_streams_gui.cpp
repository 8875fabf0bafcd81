// How long the GUI thread stalls while a topic is drained into a batch, through the real window:
// the main window on the Streams panel (the service refreshing topics, lag and charts every two
// seconds), its Batches tab's Drain Now draining Fashion-MNIST holdout images published as JSON
// to the embedded broker (which runs in this process too, so it competes for the same cores). A
// 10 ms timer on the GUI thread measures how late each tick comes; a stall is that lateness.
// Reports p50, p99 and the worst stall while idle and while draining (goal: p99 < 50 ms).
// Usage: bench_streams_gui [MESSAGES]  (default 48,000, over one partition per 3,000)

#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/clusterclient.h"
#include "core/streams/holdout.h"
#include "core/streams/producer.h"
#include "core/streams/streamsservice.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "guistall.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/streams/batchesview.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

using namespace millrace;
using guistall::child;
using guistall::measureStalls;
using guistall::percentile;
using guistall::report;
using namespace std::chrono_literals;

namespace {

const QString kTopic = QStringLiteral("fashion-mnist");

// Publishes `count` holdout records to the topic, off the GUI thread (the stalls measured are
// the drain's, not the set-up's).
void publish(const streams::ClusterEndpoint &endpoint, int count)
{
    auto holdout = streams::loadFashionMnistHoldout();
    if (!holdout)
        qFatal("%s", qPrintable(holdout.errorMessage()));
    const streams::SimulatorSource source = streams::fashionMnistSource(holdout.value());
    auto producer = streams::MessageProducer::create(endpoint);
    if (!producer)
        qFatal("%s", qPrintable(producer.errorMessage()));
    for (int i = 0; i < count; ++i) {
        streams::OutgoingMessage message;
        message.value = streams::simulatorRecord(source, std::size_t(i) % (*holdout)->size(), i);
        if (auto sent = producer.value()->send(kTopic, message); !sent)
            qFatal("%s", qPrintable(sent.errorMessage()));
    }
    auto flushed = producer.value()->flush(120s);
    if (!flushed || flushed->delivered != count)
        qFatal("publishing failed: %s", qPrintable(flushed.errorMessage()));
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QLoggingCategory::setFilterRules(
        QStringLiteral("default.warning=false\nmillrace.*.info=false\nmillrace.*.debug=false"));
    const int messages = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 48000;

    QTemporaryDir dir;
    SessionOptions options;
    options.trackingServer = false;
    options.pluginDirs = PluginManager::defaultSearchPaths();
    auto opened = Session::open(dir.filePath(QStringLiteral("workspace")), options);
    if (!opened)
        qFatal("%s", qPrintable(opened.errorMessage()));
    Session &session = **opened;
    session.startServices();
    streams::StreamsService *service = session.streams();

    // The embedded broker keeps about 5 MB per partition (some 4,000 images): one partition per
    // 3,000 keeps every message.
    const int partitions = std::max(1, (messages + 2999) / 3000);
    std::optional<streams::ClusterEndpoint> endpoint;
    QElapsedTimer waiting;
    waiting.start();
    while (!(endpoint = service->endpoint()) && waiting.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (!endpoint)
        qFatal("the streams service did not start");
    std::thread setUp([&] {
        auto client = streams::ClusterClient::create(*endpoint);
        if (!client || !client.value()->createTopic(streams::TopicSpec{kTopic, partitions, 1, {}}))
            qFatal("cannot create the topic");
        publish(*endpoint, messages);
    });

    ui::MainWindow window;
    window.resize(1200, 780);
    window.show();
    window.attachSession(session);
    window.showPanel(0); // Streams
    setUp.join();

    auto *tabs = child<QTabWidget>(window, "streamsTabs");
    auto *batches = child<ui::BatchesView>(window, "batchesView");
    tabs->setCurrentWidget(batches);
    auto *topic = child<QComboBox>(*batches, "drainTopic");
    // The topic list follows the service's snapshots.
    QElapsedTimer listed;
    listed.start();
    while (topic->findText(kTopic) < 0 && listed.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (topic->findText(kTopic) < 0)
        qFatal("the Batches tab does not offer the topic");
    topic->setCurrentIndex(topic->findText(kTopic));

    QElapsedTimer idle;
    idle.start();
    const std::vector<double> idleStalls = measureStalls([&] { return idle.elapsed() > 3000; });

    bool finished = false;
    QObject::connect(batches, &ui::BatchesView::drainFinished, &app, [&] { finished = true; });
    child<QPushButton>(*batches, "drainNow")->click();
    QElapsedTimer draining;
    draining.start();
    const std::vector<double> stalls = measureStalls([&] { return finished; });
    const double seconds = draining.elapsed() / 1000.0;

    // The drain must have read every message, or the stalls measured were not a whole drain's.
    auto store = streams::BatchStore::forWorkspace(session.workspace().root());
    auto listedBatches = store.list();
    std::int64_t samples = 0;
    for (const streams::BatchManifest &batch :
         listedBatches ? listedBatches.value() : std::vector<streams::BatchManifest>{})
        samples += batch.sampleCount;
    if (samples != messages)
        qFatal("the drain took %lld of %d messages", static_cast<long long>(samples), messages);

    report("gui_stall_idle_p50", percentile(idleStalls, 0.5), "ms");
    report("gui_stall_idle_p99", percentile(idleStalls, 0.99), "ms");
    report("gui_stall_drain_p50", percentile(stalls, 0.5), "ms");
    report("gui_stall_drain_p99", percentile(stalls, 0.99), "ms");
    report("gui_stall_drain_max", percentile(stalls, 1.0), "ms");
    report("gui_drain_seconds", seconds, "s");
    std::printf("# %zu ticks while draining %d messages\n", stalls.size(), messages);
    window.detachSession();
    return 0;
}
