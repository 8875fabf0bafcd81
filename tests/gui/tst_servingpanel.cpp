// The Serving panel as a user meets it, in the main window on a real workspace: two untrained
// image-cnn versions of fashion-cnn (the built-in plugin), version 1 in Production. Start on a
// free port, the URL and the status bar, "Try it" on a Fashion-MNIST test image answered as
// ml::Model::predict answers it, an A/B split with version 2 counted per version after some
// requests, Stop, and the README screenshot with traffic in the charts; an address other than
// loopback refused without the user's consent, a port in use failing with the reason, a stage
// without a version listening and saying why, and a token that cannot be stored without a
// keychain (the test runs without one). Real widgets are clicked under the offscreen platform;
// waits are for what a user would see.

#include "guitestsupport.h"
#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include "core/base/logbus.h"
#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/scheduler/schedulerservice.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/producer.h"
#include "core/streams/streamsservice.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/serving/probabilitybars.h"
#include "ui/panels/serving/servingcharts.h"
#include "ui/panels/serving/tryitbox.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTcpServer>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <algorithm>
#include <memory>
#include <set>

using millrace::ui::MainWindow;
using millrace::ui::ProbabilityBars;
using millrace::ui::ServingCharts;
using millrace::ui::TryItBox;
using namespace millrace;
using namespace millrace::testing;
using namespace Qt::StringLiterals;

namespace {

/// The Serving entry's row in the sidebar.
constexpr int kServingRow = 4;
const QString kModel = u"fashion-cnn"_s;
/// Loading a version runs LibTorch on two shared cores.
constexpr int kServeTimeout = 120000;

/// A workspace with the built-in model plugins and fashion-cnn versions 1 (in Production) and
/// 2: small untrained image-cnns for 28x28 images of the ten Fashion-MNIST classes, with
/// different initial weights, each saved into a run's `model/` folder and registered from
/// there, as a training job and the Register action leave them.
struct TwoCnnVersions
{
    QTemporaryDir dir;
    std::unique_ptr<Session> session;
    std::vector<ml::Model> models; ///< version i + 1

    /// `services`: with the streams service (the embedded broker) and the scheduler.
    bool setUp(bool services = false)
    {
        if (!dir.isValid())
            return false;
        SessionOptions options;
        options.trackingServer = false;
        options.streams = services;
        options.scheduler = services;
        options.pluginDirs = PluginManager::defaultSearchPaths();
        auto opened = Session::open(dir.filePath(u"workspace"_s), options);
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        session = std::move(opened).value();

        const ml::ArchitectureLookup architectures =
            training::pluginArchitectures(session->plugins());
        const ml::Architecture *cnn = architectures("image-cnn");
        if (!cnn) {
            qWarning() << "the image-cnn plugin did not load from"
                       << PluginManager::defaultSearchPaths();
            return false;
        }
        ml::ModelSignature signature;
        signature.sampleShape = {28, 28};
        signature.task = ml::TaskKind::Classification;
        signature.outputs = 10;
        signature.classNames = ml::fashionMnistClassNames();
        const ml::Hyperparameters small{{"conv_layers", std::int64_t(1)},
                                        {"base_width", std::int64_t(4)},
                                        {"hidden_units", std::int64_t(16)}};

        tracking::TrackingStore &tracking = session->tracking();
        registry::RegistryStore &registry = session->registry();
        auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
        if (!experiment || !registry.createRegisteredModel(kModel, u"CNN on Fashion-MNIST"_s))
            return false;
        const qint64 start = QDateTime::currentMSecsSinceEpoch() - 60000;
        for (std::uint64_t seed : {7u, 11u}) {
            auto model = ml::Model::create(*cnn, small, signature, seed);
            if (!model) {
                qWarning().noquote() << QString::fromStdString(model.error().message);
                return false;
            }
            auto run =
                tracking.createRun(*experiment, u"ada"_s, u"cnn-seed-%1"_s.arg(seed), start, {});
            if (!run)
                return false;
            auto artifacts = tracking.runArtifactDirectory(run->info.runId);
            if (!artifacts || !model->save(QDir(*artifacts).filePath(u"model"_s).toStdString())
                || !tracking.updateRun(run->info.runId, tracking::RunStatus::Finished,
                                       start + 30000))
                return false;
            registry::NewModelVersion request;
            request.name = kModel;
            request.source = u"runs:/%1/model"_s.arg(run->info.runId);
            auto version = registry.createModelVersion(request, {u"ada (Millrace UI)"_s, {}});
            if (!version || version->status != registry::VersionStatus::Ready) {
                qWarning() << "version not registered READY";
                return false;
            }
            models.push_back(std::move(*model));
        }
        if (!registry.transitionStage(kModel, 1, registry::Stage::Production, false,
                                      {u"ada (Millrace UI)"_s, {}}))
            return false;
        if (services)
            session->startServices();
        return true;
    }

    /// The class ml::Model::predict gives `pixels` with version `version`.
    int expectedClass(qint64 version, const std::vector<float> &pixels) const
    {
        ml::Dataset data;
        data.sampleShape = {28, 28};
        data.features = pixels;
        data.task = ml::TaskKind::Classification;
        data.classCount = 10;
        auto logits = models.at(std::size_t(version - 1)).predict(data);
        if (!logits || logits->size() != 10)
            return -1;
        return int(std::max_element(logits->begin(), logits->end()) - logits->begin());
    }
};

QString text(const QObject &parent, const char *name)
{
    if (auto *label = child<QLabel>(parent, name))
        return label->text();
    if (auto *edit = child<QLineEdit>(parent, name))
        return edit->text();
    return QString();
}

/// Shows `window` with `session` and opens the Serving panel by clicking it in the sidebar.
QWidget *showServing(MainWindow &window, Session &session)
{
    showWindow(window, {1200, 780});
    if (QTest::currentTestFailed())
        return nullptr;
    window.attachSession(session);
    auto *list = child<QListWidget>(window, "panelList");
    if (!list || list->item(kServingRow)->text() != "Serving"_L1)
        return nullptr;
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kServingRow)).center());
    auto *stack = child<QStackedWidget>(window, "panelStack");
    return stack->currentWidget()->objectName() == "servingPanel"_L1 ? stack->currentWidget()
                                                                     : nullptr;
}

/// Types `address` and sets `port` in the serve controls (the panel remembers what the
/// previous test function used).
void serveOn(const QWidget &panel, const QString &address, int port)
{
    auto *edit = child<QLineEdit>(panel, "servingAddress");
    edit->selectAll();
    QTest::keyClicks(edit, address);
    QCOMPARE(edit->text(), address);
    child<QSpinBox>(panel, "servingPort")->setValue(port);
}

/// Clicks a test image in the picker where a user would.
void clickTestImage(QListWidget *picker, int row)
{
    QListWidgetItem *item = picker->item(row);
    QVERIFY(item);
    picker->scrollToItem(item);
    QTest::mouseClick(picker->viewport(), Qt::LeftButton, {},
                      picker->visualItemRect(item).center());
}

/// The requests the per-version table shows for `version`, or -1 when it has no row.
qint64 requestsShown(const QTreeWidget *table, qint64 version)
{
    for (int row = 0; row < table->topLevelItemCount(); ++row) {
        const QTreeWidgetItem *item = table->topLevelItem(row);
        if (item->data(0, Qt::UserRole).toLongLong() == version)
            return item->data(3, Qt::UserRole).toLongLong();
    }
    return -1;
}

} // namespace

class TestServingPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void servesTriesSplitsAndStops();
    void remoteAddressNeedsConsent();
    void portInUseFails();
    void emptyStageWaits();
    void tokenNeedsKeychain();
    void kafkaPredictorAnswersCountsAndStops();

private:
    QTemporaryDir m_settings;
};

void TestServingPanel::initTestCase()
{
    useTestSettings(m_settings, u"tst_servingpanel"_s);
}

void TestServingPanel::servesTriesSplitsAndStops()
{
    if (!QDir(QString::fromStdString(ml::fashionMnistDefaultDirectory()))
             .exists(u"t10k-images-idx3-ubyte.gz"_s))
        QSKIP("the Fashion-MNIST test set (Debian package dataset-fashion-mnist) is missing");
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp());
    millrace::LogBus bus;
    MainWindow window(&bus);
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    // The offscreen platform's size-hint warnings are about the test's platform, not the app:
    // they stay out of the log dock in the screenshot.
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });

    // The registered model is offered, Production by default.
    auto *model = child<QComboBox>(*panel, "servingModel");
    QTRY_COMPARE(model->currentText(), kModel);
    QCOMPARE(child<QComboBox>(*panel, "targetStage")->currentText(), u"Production"_s);
    QTRY_VERIFY(text(*panel, "targetResolution").contains(u"v1"_s));
    serveOn(*panel, u"127.0.0.1"_s, 0); // a free port

    auto *start = child<QPushButton>(*panel, "startServing");
    auto *stop = child<QPushButton>(*panel, "stopServing");
    QVERIFY(start->isEnabled());
    QVERIFY(!stop->isEnabled());
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Serving"_L1, kServeTimeout);
    const QRegularExpression urlPattern(u"^http://127\\.0\\.0\\.1:(\\d+)/invocations$"_s);
    const QRegularExpressionMatch url = urlPattern.match(text(*panel, "servingUrl"));
    QVERIFY2(url.hasMatch(), qPrintable(text(*panel, "servingUrl")));
    const QString base = u"http://127.0.0.1:%1"_s.arg(url.captured(1));
    QVERIFY(url.captured(1).toInt() > 0);
    QTRY_COMPARE(text(window, "servingStatus"), u"Serving: v1 on %1"_s.arg(base));
    QVERIFY(text(*panel, "servedVersions").contains(u"v1 of fashion-cnn/Production"_s));
    QVERIFY(stop->isEnabled());
    QVERIFY(!start->isEnabled());

    // Try it: a test image, answered by version 1 as the model itself predicts it.
    auto *tryIt = child<TryItBox>(*panel, "tryItBox");
    auto *picker = child<QListWidget>(*panel, "testImages");
    QTRY_COMPARE_WITH_TIMEOUT(picker->count(), 12, 30000);
    QSignalSpy answers(tryIt, &TryItBox::answered);
    const int pick = 3;
    clickTestImage(picker, pick);
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 30000);
    const ui::TestImage &image = tryIt->testImages().at(pick);
    const int expected = workspace.expectedClass(1, image.pixels);
    QVERIFY(expected >= 0);
    QCOMPARE(answers.first().at(0).toLongLong(), qint64(1));
    QCOMPARE(answers.first().at(1).toInt(), expected);
    const QStringList classNames = [] {
        QStringList names;
        for (const std::string &name : ml::fashionMnistClassNames())
            names.append(QString::fromStdString(name));
        return names;
    }();
    QCOMPARE(text(*panel, "predictedClass"), classNames.at(expected));
    QVERIFY2(text(*panel, "answeredBy").startsWith(u"version 1 · "_s),
             qPrintable(text(*panel, "answeredBy")));
    const auto *bars = child<ProbabilityBars>(*panel, "probabilityBars");
    QCOMPARE(int(bars->probabilities().size()), 10);
    double sum = 0;
    for (double probability : bars->probabilities())
        sum += probability;
    QVERIFY(qAbs(sum - 1) < 1e-6);
    QCOMPARE(int(std::max_element(bars->probabilities().begin(), bars->probabilities().end())
                 - bars->probabilities().begin()),
             expected);

    // A/B: version 2 on half of the requests.
    auto *candidate = child<QComboBox>(*panel, "candidateVersion");
    const int candidateIndex = candidate->findData(qint64(2));
    QVERIFY(candidateIndex > 0);
    candidate->setCurrentIndex(candidateIndex);
    auto *weight = child<QSlider>(*panel, "candidateWeight");
    weight->setFocus();
    for (int step = 0; step < 5; ++step)
        QTest::keyClick(weight, Qt::Key_PageUp); // 10% a page
    QCOMPARE(weight->value(), 50);
    QCOMPARE(text(*panel, "candidateWeightLabel"), u"50%"_s);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servedVersions").startsWith(u"v1 (50%) + v2 (50%)"_s),
                             kServeTimeout);
    QTRY_COMPARE(text(window, "servingStatus"), u"Serving: v1 (50%) + v2 (50%) on %1"_s.arg(base));

    // Sends until both versions have answered (each does half the time): the per-version
    // counts show both, and each answer is the answering version's own prediction.
    std::set<qint64> answeredBy;
    auto *send = child<QPushButton>(*panel, "sendImage");
    QVERIFY(send->isEnabled());
    for (int request = 0; request < 60 && answeredBy.size() < 2; ++request) {
        answers.clear();
        QTest::mouseClick(send, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 30000);
        const qint64 version = answers.first().at(0).toLongLong();
        QCOMPARE(answers.first().at(1).toInt(), workspace.expectedClass(version, image.pixels));
        answeredBy.insert(version);
    }
    QCOMPARE(answeredBy, (std::set<qint64>{1, 2}));
    auto *counts = child<QTreeWidget>(*panel, "versionRequests");
    QTRY_VERIFY(requestsShown(counts, 1) > 0 && requestsShown(counts, 2) > 0);

    // Traffic for the charts and the screenshot: a client sending twenty requests a second.
    QNetworkAccessManager client;
    client.setProxy(QNetworkProxy::NoProxy);
    QByteArray body = "{\"inputs\": [[";
    for (std::size_t i = 0; i < image.pixels.size(); ++i)
        body += (i ? ", " : "") + QByteArray::number(double(image.pixels[i]), 'g', 4);
    body += "]]}";
    int finished = 0;
    int failed = 0;
    QTimer traffic;
    traffic.setInterval(50);
    connect(&traffic, &QTimer::timeout, &client, [&] {
        QNetworkRequest request(QUrl(base + u"/invocations"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkReply *reply = client.post(request, body);
        connect(reply, &QNetworkReply::finished, reply, [&, reply] {
            ++finished;
            failed += reply->error() != QNetworkReply::NoError;
            reply->deleteLater();
        });
    });
    traffic.start();
    auto *charts = child<ServingCharts>(*panel, "servingCharts");
    const int samplesBefore = charts->sampleCount();
    QTRY_VERIFY_WITH_TIMEOUT(charts->sampleCount() >= samplesBefore + 12, 30000);
    QVERIFY(finished > 50);
    QCOMPARE(failed, 0);
    QVERIFY2(text(*panel, "requestsHeadline").startsWith(u"now "_s),
             qPrintable(text(*panel, "requestsHeadline")));
    QVERIFY2(text(*panel, "latencyHeadline").contains(u" ms"_s),
             qPrintable(text(*panel, "latencyHeadline")));

    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty())
        outDir = fallback.path();
    QVERIFY(QDir().mkpath(outDir));
    auto *dock = child<QDockWidget>(window, "logDock");
    QVERIFY(dock);
    window.resizeDocks({dock}, {90}, Qt::Vertical);
    // Back on the test image, so the answer shown is for the picture on the canvas.
    answers.clear();
    clickTestImage(picker, pick);
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 30000);
    QTRY_VERIFY(charts->sampleCount() >= samplesBefore + 14);
    // The left column as it opens, from the top (focus moves may have scrolled it).
    child<QScrollArea>(window, "servingLeftSide")->verticalScrollBar()->setValue(0);
    const QImage shot = window.grab().toImage();
    const QString path = QDir(outDir).filePath(u"panel-serving.png"_s);
    QVERIFY2(shot.save(path), qPrintable(path));
    QCOMPARE(shot.size(), QSize(1200, 780));
    traffic.stop();

    // Stop: the URL goes, the status bar says so, and Start is back.
    QTest::mouseClick(stop, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Stopped"_L1, 60000);
    QTRY_COMPARE(text(window, "servingStatus"), u"Serving: stopped"_s);
    QVERIFY(text(*panel, "servingUrl").isEmpty());
    QVERIFY(start->isEnabled());
    QVERIFY(!send->isEnabled());
    window.detachSession();
}

void TestServingPanel::remoteAddressNeedsConsent()
{
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp());
    MainWindow window;
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    QTRY_COMPARE(child<QComboBox>(*panel, "servingModel")->currentText(), kModel);

    auto *warning = child<QLabel>(*panel, "remoteWarning");
    serveOn(*panel, u"127.0.0.1"_s, 0);
    QVERIFY(!warning->isVisible());
    serveOn(*panel, u"0.0.0.0"_s, 0);
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(u"Without a serving token"_s), qPrintable(warning->text()));

    // No keychain in this test, so no token: Start asks, and Cancel leaves it stopped.
    QTest::mouseClick(child<QPushButton>(*panel, "startServing"), Qt::LeftButton);
    QMessageBox *consent = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((consent = window.findChild<QMessageBox *>(u"remoteConsent"_s)),
                             30000);
    QVERIFY(consent->isVisible());
    QVERIFY(consent->informativeText().contains(u"no serving token is set"_s));
    QTest::mouseClick(consent->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QMessageBox *>(u"remoteConsent"_s));
    QTRY_COMPARE(text(*panel, "servingState"), u"Stopped"_s);
    QCOMPARE(text(window, "servingStatus"), u"Serving: stopped"_s);
    QVERIFY(text(*panel, "servingUrl").isEmpty());

    // Asked again and confirmed: it serves, and says it is open to the network.
    QTest::mouseClick(child<QPushButton>(*panel, "startServing"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT((consent = window.findChild<QMessageBox *>(u"remoteConsent"_s)),
                             30000);
    QTest::mouseClick(consent->findChild<QPushButton *>(u"serveWithoutToken"_s), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Serving"_L1, kServeTimeout);
    QVERIFY(text(*panel, "servingUrl").startsWith(u"http://0.0.0.0:"_s));
    auto *exposure = child<QLabel>(*panel, "exposureWarning");
    QVERIFY(exposure->isVisible());
    QVERIFY(exposure->text().contains(u"WITHOUT a token"_s));
    QTest::mouseClick(child<QPushButton>(*panel, "stopServing"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Stopped"_L1, 60000);
    window.detachSession();
}

void TestServingPanel::portInUseFails()
{
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp());
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    MainWindow window;
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    QTRY_COMPARE(child<QComboBox>(*panel, "servingModel")->currentText(), kModel);
    serveOn(*panel, u"127.0.0.1"_s, squatter.serverPort());
    auto *start = child<QPushButton>(*panel, "startServing");
    QTest::mouseClick(start, Qt::LeftButton);
    // The server cannot listen: Failed with the reason, nothing running, Start back.
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Failed"_L1, kServeTimeout);
    QVERIFY2(text(*panel, "servedVersions").contains(u"cannot listen"_s),
             qPrintable(text(*panel, "servedVersions")));
    QCOMPARE(text(window, "servingStatus"), u"Serving: failed"_s);
    QVERIFY(text(*panel, "servingUrl").isEmpty());
    QVERIFY(start->isEnabled());
    QVERIFY(!child<QPushButton>(*panel, "stopServing")->isEnabled());
    window.detachSession();
}

void TestServingPanel::emptyStageWaits()
{
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp());
    MainWindow window;
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    QTRY_COMPARE(child<QComboBox>(*panel, "servingModel")->currentText(), kModel);
    auto *stage = child<QComboBox>(*panel, "targetStage");
    stage->setCurrentIndex(stage->findText(u"Staging"_s));
    QVERIFY(text(*panel, "targetResolution").contains(u"No version in Staging"_s));
    serveOn(*panel, u"127.0.0.1"_s, 0);
    QTest::mouseClick(child<QPushButton>(*panel, "startServing"), Qt::LeftButton);
    // Listening, with nothing to answer with yet, and the reason shown.
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Listening"_L1, kServeTimeout);
    auto *failure = child<QLabel>(*panel, "deploymentFailure");
    QTRY_VERIFY(failure->isVisible());
    QVERIFY2(failure->text().contains(u"no version in Staging"_s), qPrintable(failure->text()));
    QVERIFY(text(window, "servingStatus").startsWith(u"Serving: no version yet on http://"_s));
    QVERIFY(!child<QPushButton>(*panel, "sendImage")->isEnabled());
    QTest::mouseClick(child<QPushButton>(*panel, "stopServing"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Stopped"_L1, 60000);
    window.detachSession();
}

void TestServingPanel::tokenNeedsKeychain()
{
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp());
    MainWindow window;
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    const QString secret = u"0123456789abcdef0123456789abcdef"_s;
    QAction *set = window.findChild<QAction *>(u"setTokenAction"_s);
    QVERIFY(set);
    set->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<QDialog *>(u"tokenDialog"_s)));
    auto *edit = dialog->findChild<QLineEdit *>(u"tokenEdit"_s);
    QCOMPARE(edit->echoMode(), QLineEdit::Password);
    QTest::keyClicks(edit, secret);
    QTest::keyClick(edit, Qt::Key_Return);
    // This test runs without a keychain: the token is not stored, and the panel says why.
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "tokenState").startsWith(u"Not stored: "_s), 30000);
    QVERIFY2(text(*panel, "tokenState").contains(u"keychain"_s),
             qPrintable(text(*panel, "tokenState")));
    for (const QLabel *label : window.findChildren<QLabel *>())
        QVERIFY2(!label->text().contains(secret), "the token must never be shown");
    window.detachSession();
}

// The Kafka predictor box against the embedded broker: Start once serving runs, requests
// answered by the served version with the counters moving, a retrain asked of the session's
// scheduler after N labelled requests, a malformed request counted and named, and Stop within
// a second, all without the GUI thread waiting on Kafka.
void TestServingPanel::kafkaPredictorAnswersCountsAndStops()
{
    TwoCnnVersions workspace;
    QVERIFY(workspace.setUp(true));
    millrace::LogBus bus;
    MainWindow window(&bus);
    QWidget *panel = showServing(window, *workspace.session);
    QVERIFY(panel);
    auto *start = child<QPushButton>(*panel, "predictorStart");
    auto *stop = child<QPushButton>(*panel, "predictorStop");
    QVERIFY2(!start->isEnabled(), "the predictor starts before serving does");

    QTRY_COMPARE(child<QComboBox>(*panel, "servingModel")->currentText(), kModel);
    QTRY_VERIFY(text(*panel, "targetResolution").contains(u"v1"_s));
    serveOn(*panel, u"127.0.0.1"_s, 0);
    QTest::mouseClick(child<QPushButton>(*panel, "startServing"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(text(*panel, "servingState") == "Serving"_L1, kServeTimeout);
    QVERIFY(start->isEnabled());

    streams::StreamsService *streams = workspace.session->streams();
    QVERIFY(streams);
    QTRY_VERIFY_WITH_TIMEOUT(streams->endpoint().has_value(), 30000);
    const streams::ClusterEndpoint endpoint = *streams->endpoint();
    QVERIFY(endpoint.embedded);
    for (const QString &topic : {u"gui-requests"_s, u"gui-predictions"_s})
        VERIFY_OK(endpoint.embedded->createTopic(topic, 1));

    for (const auto &[name, value] :
         {std::pair{"predictorRequestTopic", u"gui-requests"_s},
          std::pair{"predictorPredictionsTopic", u"gui-predictions"_s}}) {
        auto *edit = child<QLineEdit>(*panel, name);
        edit->selectAll();
        QTest::keyClicks(edit, value);
    }
    child<QSpinBox>(*panel, "predictorRetrainEvery")->setValue(2);
    QSignalSpy retrains(workspace.session->scheduler(), &scheduler::SchedulerService::actionFailed);
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorState"), u"Predicting"_s, 30000);
    QVERIFY(stop->isEnabled());
    QVERIFY(!start->isEnabled());

    auto producer = streams::MessageProducer::create(endpoint);
    VERIFY_OK(producer);
    const auto image = [](int label) -> QByteArray {
        QByteArray json = "{\"image\":[";
        for (int i = 0; i < 784; ++i)
            json += i ? ",0" : "0";
        return json + "],\"label\":" + QByteArray::number(label) + '}';
    };
    const auto message = [](QByteArray key, QByteArray value) {
        streams::OutgoingMessage outgoing;
        outgoing.key = std::move(key);
        outgoing.value = std::move(value);
        return outgoing;
    };
    for (int label : {1, 2, 3})
        VERIFY_OK((*producer)->send(u"gui-requests"_s, message("k", image(label))));
    VERIFY_OK((*producer)->flush());
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorPredicted"), u"3"_s, 30000);
    QTRY_COMPARE(text(*panel, "predictorVersion"), u"v1"_s);
    // Its counters show at the panel's scoring server's /metrics while it runs.
    const QRegularExpressionMatch url =
        QRegularExpression(u"^http://127\\.0\\.0\\.1:(\\d+)/invocations$"_s)
            .match(text(*panel, "servingUrl"));
    QVERIFY2(url.hasMatch(), qPrintable(text(*panel, "servingUrl")));
    const auto scrape = [port = quint16(url.captured(1).toUInt())] {
        testsupport::HttpConnection connection(u"127.0.0.1"_s, port);
        return connection.get("/metrics").body;
    };
    QVERIFY2(scrape().contains("\nmillrace_predictor_predictions_total 3\n"), scrape().constData());
    QVERIFY(scrape().contains("\nmillrace_serving_inflight_requests "));
    QCOMPARE(text(*panel, "predictorRetrains"), u"1"_s);
    QCOMPARE(text(*panel, "predictorTowardRetrain"), u"1 of 2"_s);
    // The retrain went to the session's scheduler, which has no such DAG in this workspace.
    QTRY_COMPARE_WITH_TIMEOUT(retrains.size(), 1, 10000);
    QVERIFY2(retrains.first().at(0).toString().contains(u"update_model"_s),
             qPrintable(retrains.first().at(0).toString()));

    VERIFY_OK((*producer)->send(u"gui-requests"_s, message("bad", "not a sample")));
    VERIFY_OK((*producer)->flush());
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorMalformed"), u"1"_s, 30000);
    QVERIFY(text(*panel, "predictorNote").contains(u"not JSON"_s));

    QElapsedTimer stopping;
    stopping.start();
    QTest::mouseClick(stop, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorState"), u"Stopped"_s, 10000);
    qInfo() << "the predictor stopped in" << stopping.elapsed() << "ms";
    QVERIFY2(stopping.elapsed() < 2000, "the predictor took over 2 s to stop");
    QCOMPARE(text(*panel, "predictorPredicted"), u"3"_s); // the last counts stay
    QVERIFY(start->isEnabled());
    QVERIFY2(!scrape().contains("millrace_predictor_"), scrape().constData());

    // Stopping serving stops a running predictor with it.
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorState"), u"Predicting"_s, 30000);
    QTest::mouseClick(child<QPushButton>(*panel, "stopServing"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(text(*panel, "predictorState"), u"Stopped"_s, 30000);
    QVERIFY(!start->isEnabled());
}

QTEST_MAIN(TestServingPanel)
#include "tst_servingpanel.moc"
