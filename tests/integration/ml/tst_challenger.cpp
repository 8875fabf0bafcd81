// Seed 000's champion/challenger step against registered versions: real tabular-MLP models from
// the built-in plugin, scored on one test set, the verdict recorded in the registry's history.

#include "core/ml/trainer.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "core/training/challenger.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "testsupport/verify.h"

#include <QDir>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>

#include <memory>

using namespace millrace;
using namespace millrace::training;
using namespace Qt::StringLiterals;

namespace {

// Two classes separated by the sign of x0 + x1, with a little noise: easy to learn, so a trained
// model beats an untrained one by far.
ml::Dataset twoClasses(std::size_t samples, quint32 seed)
{
    ml::Dataset data;
    data.sampleShape = {4};
    data.classCount = 2;
    data.classNames = {"left", "right"};
    QRandomGenerator random(seed);
    for (std::size_t i = 0; i < samples; ++i) {
        float sum = 0;
        for (int f = 0; f < 4; ++f) {
            const float value = float(random.generateDouble() * 2 - 1);
            data.features.push_back(value);
            if (f < 2)
                sum += value;
        }
        data.classLabels.push_back(sum > 0 ? 1 : 0);
    }
    return data;
}

ChallengeRequest challenge(qint64 version)
{
    ChallengeRequest request;
    request.modelName = u"m"_s;
    request.challenger = version;
    return request;
}

} // namespace

class TestChallenger : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    ml::Dataset m_test = twoClasses(400, 7);

    registry::RegistryStore &registry() { return m_session->registry(); }
    ml::ArchitectureLookup architectures() { return pluginArchitectures(m_session->plugins()); }

    // Registers a tabular MLP trained for `epochs` (0: untrained) as a new version of "m".
    qint64 registerModel(int epochs, std::uint64_t seed)
    {
        const ml::Architecture *architecture = architectures()("tabular-mlp");
        if (!architecture)
            return 0;
        const ml::Dataset train = twoClasses(1200, quint32(seed));
        auto model = ml::Model::create(*architecture, {}, ml::ModelSignature::of(train), seed);
        if (!model)
            return 0;
        if (epochs > 0) {
            ml::TrainingOptions options;
            options.epochs = epochs;
            options.learningRate = 1e-2;
            options.intraOpThreads = 1;
            options.seed = seed;
            if (!ml::train(*model, train, options))
                return 0;
        }
        auto run = m_session->tracking().createRun(u"0"_s, u"t"_s, u"m"_s, std::nullopt, {});
        if (!run)
            return 0;
        auto directory = m_session->tracking().runArtifactDirectory(run->info.runId);
        if (!directory || !model->save(QDir(*directory).filePath(u"model"_s).toStdString()))
            return 0;
        auto version = registry().createModelVersion(
            {u"m"_s, u"runs:/"_s + run->info.runId + u"/model"_s, {}, {}, {}, {}},
            {u"test"_s, QString()});
        return version ? version->version : 0;
    }

    int historySize()
    {
        auto events = registry().history(u"m"_s);
        return events ? int(events->size()) : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        SessionOptions options;
        options.trackingServer = false;
        options.pluginDirs = PluginManager::defaultSearchPaths();
        auto session = Session::open(m_dir.filePath(u"workspace"_s), options);
        VERIFY_OK(session);
        m_session = std::move(*session);
        QVERIFY2(architectures()("tabular-mlp"), "the tabular-mlp plugin did not load");
        VERIFY_OK(registry().createRegisteredModel(u"m"_s));
    }

    void theFirstChallengerBecomesChampion()
    {
        const qint64 version = registerModel(0, 1);
        QCOMPARE(version, 1);
        auto outcome = challengeChampion(registry(), architectures(), m_test, challenge(version));
        VERIFY_OK(outcome);
        QVERIFY(outcome->verdict.promote);
        QCOMPARE(outcome->champion, 0);
        QVERIFY(outcome->challenger.stage == registry::Stage::Production);
        QCOMPARE(outcome->challenger.aliases, QStringList{u"champion"_s});
    }

    void aBetterChallengerIsPromoted()
    {
        const qint64 version = registerModel(8, 2);
        QCOMPARE(version, 2);
        auto outcome = challengeChampion(registry(), architectures(), m_test, challenge(version));
        VERIFY_OK(outcome);
        QVERIFY2(outcome->verdict.promote, qPrintable(outcome->verdict.reason));
        QCOMPARE(outcome->champion, 1);
        const QJsonObject &numbers = outcome->verdict.evaluation;
        QVERIFY2(numbers.value(u"challenger"_s).toDouble() > 0.9,
                 qPrintable(outcome->verdict.reason));
        QVERIFY(numbers.value(u"challenger"_s).toDouble()
                > numbers.value(u"champion"_s).toDouble());
        QCOMPARE(numbers.value(u"test_samples"_s).toInt(), 400);
        auto old = registry().modelVersion(u"m"_s, 1);
        VERIFY_OK(old);
        QVERIFY(old->stage == registry::Stage::Archived);
        auto champion = registry().versionByAlias(u"m"_s, u"champion"_s);
        VERIFY_OK(champion);
        QCOMPARE(champion->version, 2);
    }

    void aWorseChallengerKeepsTheChampion()
    {
        const qint64 version = registerModel(0, 3);
        QCOMPARE(version, 3);
        const int before = historySize();
        auto outcome = challengeChampion(registry(), architectures(), m_test, challenge(version));
        VERIFY_OK(outcome);
        QVERIFY(!outcome->verdict.promote);
        QVERIFY(outcome->challenger.stage == registry::Stage::None);
        QVERIFY2(outcome->verdict.reason.contains(u"v3 against champion v2"_s),
                 qPrintable(outcome->verdict.reason));
        // One decision recorded, with the numbers; nothing moved.
        auto events = registry().history(u"m"_s);
        VERIFY_OK(events);
        QCOMPARE(int(events->size()), before + 1);
        const registry::RegistryEvent &decision = events->last();
        QVERIFY(decision.kind == registry::EventKind::Decision);
        QCOMPARE(decision.version, 3);
        QCOMPARE(decision.evaluation.value(u"promote"_s).toBool(), false);
        QVERIFY(decision.evaluation.contains(u"champion_scores"_s));
        auto champion = registry().versionByAlias(u"m"_s, u"champion"_s);
        VERIFY_OK(champion);
        QCOMPARE(champion->version, 2);
    }

    void badInputChangesNothing()
    {
        const int before = historySize();
        // A test set of another shape, a version that does not exist, one without files.
        ml::Dataset wrongShape = twoClasses(10, 1);
        wrongShape.sampleShape = {2, 2};
        QVERIFY(!challengeChampion(registry(), architectures(), wrongShape, challenge(3)));
        QVERIFY(!challengeChampion(registry(), architectures(), m_test, challenge(42)));
        QVERIFY(m_session->workspace()
                    .store()
                    .write([](SQLite::Database &db) {
                        db.exec("UPDATE model_versions SET status = 'FAILED_REGISTRATION', "
                                "storage_path = NULL WHERE version = 3");
                    })
                    .result());
        auto noFiles = challengeChampion(registry(), architectures(), m_test, challenge(3));
        QVERIFY(!noFiles);
        QVERIFY2(noFiles.error().message.contains(u"has no model files"_s),
                 qPrintable(noFiles.error().message));
        QCOMPARE(historySize(), before);
    }
};

QTEST_GUILESS_MAIN(TestChallenger)
#include "tst_challenger.moc"
