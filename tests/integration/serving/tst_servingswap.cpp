// Versions changing under load, over HTTP with eight keep-alive connections at once:
// - hot swap: while the load runs, the Production version of a registered image CNN changes 20
//   times (registry().transitionStage, as a user or the pipeline would). No request fails, every
//   answer names a version, and its outputs are exactly what core/ml computes with THAT version
//   for the image sent (the three versions answer apart), so the version named is the one that
//   answered. Each new version answers before the next change, and /metrics counts the swaps.
// - A/B split: with a candidate at weight 0.3, about 1,000 requests are shared between the two
//   versions near 70/30, each answer again matching its version, and /metrics counts per
//   version exactly the requests each answered; a new weight for the two is shown, and is not
//   counted as a swap.
// - an A/B split asked for (ServingService::setCandidate) while the follower is loading a new
//   version still comes into service, and ending it leaves the primary alone answering.

#include "servingfixture.h"

#include "core/serving/servingmetrics.h"
#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include <QTest>

#include <array>

using namespace millrace;
using namespace servingtest;
using namespace testsupport;
using namespace Qt::StringLiterals;

namespace {

const QString kModel = u"fashion"_s;
constexpr std::size_t kImageCount = 16;
constexpr int kConcurrency = 8;
constexpr int kVersionCount = 3;
constexpr int kSwaps = 20;

} // namespace

class TestServingSwap : public QObject
{
    Q_OBJECT

    ServingWorkspace m_workspace;
    ml::Dataset m_images;
    // One request body per image: {"inputs": [image]}.
    std::vector<QByteArray> m_bodies;
    std::vector<qint64> m_versions;
    // core/ml's logits for every image, per version (10 per image).
    std::map<qint64, std::vector<float>> m_expected;
    // Answers per version, counted by the load's check.
    std::array<std::atomic<qint64>, kVersionCount + 1> m_answeredBy{};

    qint64 answeredBy(qint64 version) const { return m_answeredBy[std::size_t(version)].load(); }

    // The request a load thread sends next: one image, chosen so the threads interleave.
    HttpRequest nextRequest(int worker, qint64 index) const
    {
        const qint64 image = (worker * 5 + index) % qint64(kImageCount);
        return {"POST",
                "/invocations",
                {{"Content-Type", "application/json"}},
                m_bodies[std::size_t(image)],
                image};
    }

    // Why `reply` is not the answer of the version it names to the image sent; counts it.
    QString check(const HttpRequest &request, const HttpReply &reply)
    {
        if (reply.status != 200)
            return u"status %1: %2"_s.arg(reply.status)
                .arg(QString::fromUtf8(reply.body.left(200)));
        bool ok = false;
        const qint64 version = reply.header("X-Millrace-Model-Version").toLongLong(&ok);
        const auto expected = m_expected.find(version);
        if (!ok || expected == m_expected.end())
            return u"names no known version: X-Millrace-Model-Version '%1'"_s.arg(
                QString::fromUtf8(reply.header("X-Millrace-Model-Version")));
        const QJsonObject json = QJsonDocument::fromJson(reply.body).object();
        if (json.value(u"model_version"_s).toString() != QString::number(version))
            return u"the header names version %1, the body '%2'"_s.arg(version).arg(
                json.value(u"model_version"_s).toString());
        QString why;
        const auto rows = outputRows(reply.body, u"logits"_s, &why);
        if (!why.isEmpty())
            return why;
        const auto first = expected->second.begin() + std::ptrdiff_t(request.tag * 10);
        const QString difference =
            outputDifference(rows, std::vector<float>(first, first + 10), 10);
        if (!difference.isEmpty())
            return u"version %1 named, but not its answer: %2"_s.arg(version).arg(difference);
        m_answeredBy[std::size_t(version)].fetch_add(1);
        return QString();
    }

    LoadGenerator load(quint16 port)
    {
        return LoadGenerator(
            u"127.0.0.1"_s, port, kConcurrency,
            [this](int worker, qint64 index) { return nextRequest(worker, index); },
            [this](const HttpRequest &request, const HttpReply &reply) {
                return check(request, reply);
            });
    }

    void resetCounts()
    {
        for (auto &count : m_answeredBy)
            count = 0;
    }

private Q_SLOTS:
    void initTestCase();
    void hotSwapUnderLoad();
    void abSplit();
    void candidateSetDuringALoadTakesEffect();
};

void TestServingSwap::initTestCase()
{
    VERIFY_OK(m_workspace.open());
    auto images = fashionImages(kImageCount);
    QVERIFY2(images, images.errorMessage().c_str());
    m_images = std::move(*images);
    for (std::size_t i = 0; i < kImageCount; ++i)
        m_bodies.push_back(R"({"inputs": [)" + imageJson(m_images, i, true) + "]}");
    for (int i = 0; i < kVersionCount; ++i) {
        auto model =
            m_workspace.createModel("image-cnn", ml::ModelSignature::of(m_images), 100 + i);
        VERIFY_OK(model);
        auto version = m_workspace.registerVersion(kModel, *model);
        VERIFY_OK(version);
        QCOMPARE(*version, qint64(i + 1));
        auto outputs = model->predict(m_images);
        QVERIFY2(outputs, outputs.errorMessage().c_str());
        m_versions.push_back(*version);
        m_expected[*version] = std::move(*outputs);
    }
    // The versions answer apart, so an answer tells which one gave it.
    for (qint64 a : m_versions) {
        for (qint64 b : m_versions) {
            if (a < b)
                QVERIFY(
                    !outputDifference(
                         {std::vector<double>(m_expected[a].begin(), m_expected[a].begin() + 10)},
                         std::vector<float>(m_expected[b].begin(), m_expected[b].begin() + 10), 10)
                         .isEmpty());
        }
    }
}

void TestServingSwap::hotSwapUnderLoad()
{
    resetCounts();
    VERIFY_OK(m_workspace.promote(kModel, m_versions[0]));
    RunningService service(m_workspace.registry(), m_workspace.architectures(),
                           followProduction(kModel));
    service.start();
    QTRY_COMPARE_WITH_TIMEOUT(service.primary(), m_versions[0], 30000);
    QVERIFY(service.port() > 0);

    LoadGenerator generator = load(service.port());
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(answeredBy(m_versions[0]) > 0 || generator.failed() > 0, 30000);
    for (int swap = 1; swap <= kSwaps && generator.failed() == 0; ++swap) {
        const qint64 next = m_versions[std::size_t(swap % kVersionCount)];
        const qint64 before = answeredBy(next);
        VERIFY_OK(m_workspace.promote(kModel, next));
        QTRY_COMPARE_WITH_TIMEOUT(service.primary(), next, 30000);
        // The new version answers the load before the next change.
        QTRY_VERIFY_WITH_TIMEOUT(answeredBy(next) > before || generator.failed() > 0, 30000);
    }
    generator.stop();

    const qint64 swaps = service.deployments() - 1;
    qInfo().noquote() << generator.answered() << "requests answered over" << generator.connections()
                      << "connections," << swaps << "swaps; by version:" << answeredBy(1)
                      << answeredBy(2) << answeredBy(3);
    QVERIFY2(generator.failed() == 0, qPrintable(generator.failures().join(u'\n')));
    QVERIFY(generator.answered() > 0);
    int versionsSeen = 0;
    for (qint64 version : m_versions)
        versionsSeen += answeredBy(version) > 0 ? 1 : 0;
    QVERIFY(versionsSeen >= 2);
    QCOMPARE(versionsSeen, kVersionCount);
    QVERIFY2(swaps >= kSwaps, qPrintable(u"%1 swaps"_s.arg(swaps)));

    HttpConnection connection(u"127.0.0.1"_s, service.port());
    const HttpReply metrics = connection.get("/metrics");
    QCOMPARE(metrics.status, 200);
    const auto samples = metricSamples(metrics.body);
    QVERIFY2(samples.count("millrace_serving_model_swaps_total"), metrics.body.constData());
    QVERIFY(samples.at("millrace_serving_model_swaps_total") >= double(swaps));
    QCOMPARE(qint64(service.metrics()->snapshot().swaps), swaps);
    // Every answer the load got is counted under the version that gave it.
    const auto counted = requestsByVersion(metrics.body, 200);
    for (qint64 version : m_versions)
        QCOMPARE(qint64(counted.count(QByteArray::number(version))
                            ? counted.at(QByteArray::number(version))
                            : 0),
                 answeredBy(version));
    // Requests that queued while the workers were busy were scored together in one pass (and
    // every answer above was still that of the version it names).
    QVERIFY2(samples.count("millrace_serving_pass_rows_count"), metrics.body.constData());
    const double passes = samples.at("millrace_serving_pass_rows_count");
    const double rows = samples.at("millrace_serving_pass_rows_sum");
    qInfo().noquote() << passes << "passes for" << rows << "rows";
    QVERIFY2(passes > 0 && passes < rows,
             qPrintable(u"%1 passes for %2 rows"_s.arg(passes).arg(rows)));
}

void TestServingSwap::abSplit()
{
    resetCounts();
    const qint64 primary = m_versions[0];
    const qint64 candidate = m_versions[1];
    VERIFY_OK(m_workspace.promote(kModel, primary));
    serving::ServingConfig config = followProduction(kModel);
    serving::ServingTarget target;
    target.model = kModel;
    target.version = candidate;
    config.candidate = target;
    config.candidateWeight = 0.3;
    RunningService service(m_workspace.registry(), m_workspace.architectures(), config);
    service.start();
    QTRY_VERIFY_WITH_TIMEOUT(service.primary() == primary && service.candidate() == candidate,
                             30000);

    constexpr qint64 perConnection = 125;
    constexpr qint64 total = perConnection * kConcurrency;
    LoadGenerator generator = load(service.port());
    generator.start(perConnection);
    generator.wait();
    QVERIFY2(generator.failed() == 0, qPrintable(generator.failures().join(u'\n')));
    QCOMPARE(generator.answered(), total);

    const double share = double(answeredBy(candidate)) / double(total);
    qInfo().noquote() << "candidate answered" << answeredBy(candidate) << "of" << total;
    QVERIFY(answeredBy(primary) > 0);
    QVERIFY(answeredBy(candidate) > 0);
    QCOMPARE(answeredBy(primary) + answeredBy(candidate), total);
    // 0.3 of 1,000: the standard deviation is 0.0145, so 0.2 to 0.4 is about seven of them.
    QVERIFY2(share >= 0.2 && share <= 0.4, qPrintable(QString::number(share)));

    HttpConnection connection(u"127.0.0.1"_s, service.port());
    const HttpReply metrics = connection.get("/metrics");
    QCOMPARE(metrics.status, 200);
    const auto counted = requestsByVersion(metrics.body);
    const QByteArray primaryLabel = QByteArray::number(primary);
    const QByteArray candidateLabel = QByteArray::number(candidate);
    QVERIFY2(counted.count(primaryLabel) && counted.count(candidateLabel),
             metrics.body.constData());
    QCOMPARE(qint64(counted.at(primaryLabel)), answeredBy(primary));
    QCOMPARE(qint64(counted.at(candidateLabel)), answeredBy(candidate));
    double sum = 0;
    for (const auto &[version, count] : counted)
        sum += count;
    QCOMPARE(qint64(sum), total);
    // The split is shown as it is configured.
    const auto samples = metricSamples(metrics.body);
    const QByteArray gauge = "millrace_serving_model_version{model=\"fashion\",version=\"";
    QVERIFY2(samples.count(gauge + primaryLabel + "\"}")
                 && samples.count(gauge + candidateLabel + "\"}"),
             metrics.body.constData());
    QVERIFY(qFuzzyCompare(samples.at(gauge + primaryLabel + "\"}"), 0.7));
    QVERIFY(qFuzzyCompare(samples.at(gauge + candidateLabel + "\"}"), 0.3));

    // A new weight for the same two versions changes the split, not the model: no swap.
    const int deployed = service.deployments();
    const quint64 swaps = service.metrics()->snapshot().swaps;
    service.service().setCandidate(target, 0.5);
    QTRY_COMPARE_WITH_TIMEOUT(service.deployments(), deployed + 1, 10000);
    QCOMPARE(service.metrics()->snapshot().swaps, swaps);
    const auto reweighted = metricSamples(connection.get("/metrics").body);
    QVERIFY(qFuzzyCompare(reweighted.at(gauge + candidateLabel + "\"}"), 0.5));
}

void TestServingSwap::candidateSetDuringALoadTakesEffect()
{
    const qint64 first = m_versions[0];
    const qint64 next = m_versions[1];
    const qint64 candidate = m_versions[2];
    VERIFY_OK(m_workspace.promote(kModel, first));
    RunningService service(m_workspace.registry(), m_workspace.architectures(),
                           followProduction(kModel));
    service.start();
    QTRY_COMPARE_WITH_TIMEOUT(service.primary(), first, 30000);

    // The A/B split is asked for while the follower is loading the next Production version:
    // from the loader's thread, the moment it starts, so the request is queued on the service
    // before that load's outcome.
    LogCapture log;
    serving::ServingTarget target;
    target.model = kModel;
    target.version = candidate;
    log.whenLogged(u"loading version %1 of %2"_s.arg(next).arg(kModel),
                   [&service, target] { service.service().setCandidate(target, 0.5); });
    VERIFY_OK(m_workspace.promote(kModel, next));
    // Nothing else changes in the registry: the split must still come into service.
    QTRY_VERIFY_WITH_TIMEOUT(service.primary() == next && service.candidate() == candidate, 10000);
    QVERIFY(!log.matching(QtInfoMsg, u"loading version %1"_s.arg(next)).isEmpty());

    // Ending the split takes effect too: only the primary answers afterwards.
    service.service().setCandidate(std::nullopt, 0);
    QTRY_COMPARE_WITH_TIMEOUT(service.candidate(), 0, 10000);
    QCOMPARE(service.primary(), next);
    resetCounts();
    LoadGenerator generator = load(service.port());
    generator.start(25);
    generator.wait();
    QVERIFY2(generator.failed() == 0, qPrintable(generator.failures().join(u'\n')));
    QCOMPARE(answeredBy(next), 25 * kConcurrency);
}

QTEST_GUILESS_MAIN(TestServingSwap)
#include "tst_servingswap.moc"
