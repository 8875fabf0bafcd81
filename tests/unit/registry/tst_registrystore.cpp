#include "core/registry/registryfiles.h"
#include "core/registry/registrystore.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/verify.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace millrace;
using namespace millrace::registry;
using namespace Qt::StringLiterals;

namespace {

// A workspace database, its tracking store and registry in a temporary folder of their own.
struct Workspace
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<tracking::TrackingStore> tracking;
    std::unique_ptr<RegistryStore> registry;

    QString modelsRoot() const { return dir.filePath(u"models"_s); }
};

std::unique_ptr<Workspace> openWorkspace()
{
    auto workspace = std::make_unique<Workspace>();
    if (!workspace->dir.isValid())
        return nullptr;
    auto store = Store::openMillrace(workspace->dir.filePath(u"workspace.db"_s));
    if (!store)
        return nullptr;
    workspace->store = std::move(store).value();
    workspace->tracking = std::make_unique<tracking::TrackingStore>(
        *workspace->store, workspace->dir.filePath(u"artifacts"_s));
    workspace->registry = std::make_unique<RegistryStore>(*workspace->store, *workspace->tracking,
                                                          workspace->modelsRoot());
    return workspace;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A finished run whose artifacts hold model/ with two files; returns its id.
QString runWithModel(Workspace &w, const QByteArray &weights)
{
    auto run = w.tracking->createRun(u"0"_s, u"tester"_s, u"trainer"_s, std::nullopt, {});
    if (!run)
        return QString();
    auto directory = w.tracking->runArtifactDirectory(run->info.runId);
    if (!directory || !writeFile(QDir(*directory).filePath(u"model/weights.pt"_s), weights)
        || !writeFile(QDir(*directory).filePath(u"model/sub/model.json"_s), "{\"a\": 1}"))
        return QString();
    return run->info.runId;
}

const Actor kTester{u"tester"_s, QString()};

} // namespace

class TestRegistryStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createsModelsWithMlflowRules();
    void versionsCopyTheirFilesAndNumberOnward();
    void badSourcesChangeNothing();
    void stageTransitionsFollowMlflow();
    void aliasesSetMoveAndDelete();
    void historyRecordsEveryChange();
    void searchFiltersOrdersAndPages();
    void deletingRemovesFilesAndKeepsNumbers();
    void renameKeepsVersionsAndFiles();
    void promotionAppliesOrKeepsTheChampion();
    void recoveryFinishesOrFailsInterruptedVersions();
    void changeCountMovesWithChanges();
    void folderNamesAreSafe();
};

void TestRegistryStore::createsModelsWithMlflowRules()
{
    auto w = openWorkspace();
    QVERIFY(w);
    auto created =
        w->registry->createRegisteredModel(u"fashion"_s, u"a CNN"_s, {{u"team"_s, u"vision"_s}});
    VERIFY_OK(created);
    QCOMPARE(created->name, u"fashion"_s);
    QCOMPARE(created->description, u"a CNN"_s);
    QCOMPARE(created->tags.value(u"team"_s), u"vision"_s);
    QVERIFY(created->creationTime > 0);

    auto again = w->registry->createRegisteredModel(u"fashion"_s);
    QVERIFY(!again);
    QCOMPARE(again.error().code, errorcode::kResourceAlreadyExists);
    for (const QString &bad : {u""_s, u"a/b"_s, u"a:b"_s, u".."_s}) {
        auto refused = w->registry->createRegisteredModel(bad);
        QVERIFY2(!refused, qPrintable(bad));
        QCOMPARE(refused.error().code, errorcode::kInvalidParameterValue);
    }
    auto missing = w->registry->registeredModel(u"nope"_s);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, errorcode::kResourceDoesNotExist);
    QCOMPARE(missing.error().message, u"Registered Model with name=nope not found"_s);

    VERIFY_OK(w->registry->updateRegisteredModel(u"fashion"_s, u"better"_s));
    VERIFY_OK(w->registry->setRegisteredModelTag(u"fashion"_s, u"k"_s, u"v"_s));
    VERIFY_OK(w->registry->deleteRegisteredModelTag(u"fashion"_s, u"team"_s));
    VERIFY_OK(w->registry->deleteRegisteredModelTag(u"fashion"_s, u"team"_s)); // as MLflow: no-op
    auto model = w->registry->registeredModel(u"fashion"_s);
    VERIFY_OK(model);
    QCOMPARE(model->description, u"better"_s);
    QCOMPARE(model->tags.keys(), QStringList{u"k"_s});
}

void TestRegistryStore::versionsCopyTheirFilesAndNumberOnward()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"fashion"_s));
    const QString run = runWithModel(*w, "weights-one");
    QVERIFY(!run.isEmpty());

    auto v1 = w->registry->createModelVersion({u"fashion"_s,
                                               u"runs:/"_s + run + u"/model"_s,
                                               QString(),
                                               QString(),
                                               u"first"_s,
                                               {{u"k"_s, u"v"_s}}},
                                              kTester);
    VERIFY_OK(v1);
    QCOMPARE(v1->version, 1);
    QVERIFY(v1->status == VersionStatus::Ready);
    QVERIFY(v1->stage == Stage::None);
    QCOMPARE(v1->runId, run); // read from the runs:/ source
    QCOMPARE(v1->description, u"first"_s);
    QCOMPARE(v1->tags.value(u"k"_s), u"v"_s);
    QCOMPARE(v1->directory, QDir(w->modelsRoot()).filePath(u"fashion/1"_s));
    QCOMPARE(readFile(v1->directory + u"/weights.pt"_s), QByteArray("weights-one"));
    QCOMPARE(readFile(v1->directory + u"/sub/model.json"_s), QByteArray("{\"a\": 1}"));

    // The artifact URI form MLflow's clients send works too; the copy is independent of the run.
    auto info = w->tracking->run(run);
    VERIFY_OK(info);
    auto v2 = w->registry->createModelVersion(
        {u"fashion"_s, info->info.artifactUri + u"/model"_s, run, {}, {}, {}}, kTester);
    VERIFY_OK(v2);
    QCOMPARE(v2->version, 2);
    QVERIFY(QFile::remove(v2->directory + u"/weights.pt"_s));
    QCOMPARE(readFile(v1->directory + u"/weights.pt"_s), QByteArray("weights-one"));
    // No temporary folder is left behind.
    QCOMPARE(QDir(w->modelsRoot() + u"/fashion"_s)
                 .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             (QStringList{u"1"_s, u"2"_s}));

    auto missing = w->registry->modelVersion(u"fashion"_s, 9);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, errorcode::kResourceDoesNotExist);
    QCOMPARE(missing.error().message, u"Model Version (name=fashion, version=9) not found"_s);
}

void TestRegistryStore::badSourcesChangeNothing()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"fashion"_s));
    const QString run = runWithModel(*w, "w");
    const QStringList sources = {u"s3://bucket/model"_s,
                                 u"/etc"_s,
                                 u"runs:/"_s + run + u"/../../../.."_s,
                                 u"runs:/"_s + run + u"/nothing-here"_s,
                                 u"runs:/0123456789abcdef0123456789abcdef/m"_s,
                                 u"mlflow-artifacts:/../../etc"_s,
                                 QString()};
    for (const QString &source : sources) {
        auto refused =
            w->registry->createModelVersion({u"fashion"_s, source, {}, {}, {}, {}}, kTester);
        QVERIFY2(!refused, qPrintable(source));
        QVERIFY(!refused.error().message.isEmpty());
    }
    auto unknownModel = w->registry->createModelVersion(
        {u"nope"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester);
    QVERIFY(!unknownModel);
    QCOMPARE(unknownModel.error().code, errorcode::kResourceDoesNotExist);
    auto versions = w->registry->searchModelVersions(QString(), 100, {}, QString());
    VERIFY_OK(versions);
    QVERIFY(versions->items.isEmpty());
    QVERIFY(!QDir(w->modelsRoot() + u"/nope"_s).exists());
}

void TestRegistryStore::stageTransitionsFollowMlflow()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(w->registry->createModelVersion(
            {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));

    VERIFY_OK(w->registry->transitionStage(u"m"_s, 1, Stage::Production, false, kTester));
    VERIFY_OK(w->registry->transitionStage(u"m"_s, 2, Stage::Production, false, kTester));
    // Without archiving, two versions share Production; latest_versions names the newest.
    auto latest = w->registry->latestVersions(u"m"_s, {Stage::Production});
    VERIFY_OK(latest);
    QCOMPARE(latest->size(), 1);
    QCOMPARE(latest->first().version, 2);

    auto moved = w->registry->transitionStage(u"m"_s, 3, Stage::Production, true, kTester);
    VERIFY_OK(moved);
    QVERIFY(moved->stage == Stage::Production);
    for (qint64 version : {1, 2}) {
        auto old = w->registry->modelVersion(u"m"_s, version);
        VERIFY_OK(old);
        QVERIFY(old->stage == Stage::Archived);
    }
    auto all = w->registry->latestVersions(u"m"_s);
    VERIFY_OK(all);
    QCOMPARE(all->size(), 2); // Production v3, Archived v2
    QVERIFY(all->at(0).stage == Stage::Production && all->at(0).version == 3);
    QVERIFY(all->at(1).stage == Stage::Archived && all->at(1).version == 2);

    // Illegal transitions change nothing.
    auto archiveToNone = w->registry->transitionStage(u"m"_s, 1, Stage::None, true, kTester);
    QVERIFY(!archiveToNone);
    QCOMPARE(archiveToNone.error().code, errorcode::kInvalidParameterValue);
    QVERIFY(archiveToNone.error().message.contains(u"not an Active stage"_s));
    QVERIFY(!w->registry->transitionStage(u"m"_s, 7, Stage::Staging, false, kTester));
    QVERIFY(!w->registry->transitionStage(u"x"_s, 1, Stage::Staging, false, kTester));
    QVERIFY(stageFromString(u"production"_s) == Stage::Production);
    QVERIFY(!stageFromString(u"Deployed"_s));

    // A version without files never changes stage.
    QVERIFY(w->store
                ->write([](SQLite::Database &db) {
                    db.exec("UPDATE model_versions SET status = 'FAILED_REGISTRATION', "
                            "storage_path = NULL WHERE version = 1");
                })
                .result());
    auto failed = w->registry->transitionStage(u"m"_s, 1, Stage::Staging, false, kTester);
    QVERIFY(!failed);
    QCOMPARE(failed.error().code, errorcode::kInvalidState);
    auto unchanged = w->registry->modelVersion(u"m"_s, 1);
    VERIFY_OK(unchanged);
    QVERIFY(unchanged->stage == Stage::Archived);
    QVERIFY(unchanged->directory.isEmpty());
}

void TestRegistryStore::aliasesSetMoveAndDelete()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    for (int i = 0; i < 2; ++i)
        VERIFY_OK(w->registry->createModelVersion(
            {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));

    VERIFY_OK(w->registry->setAlias(u"m"_s, u"champion"_s, 1, kTester));
    auto byAlias = w->registry->versionByAlias(u"m"_s, u"champion"_s);
    VERIFY_OK(byAlias);
    QCOMPARE(byAlias->version, 1);
    QCOMPARE(byAlias->aliases, QStringList{u"champion"_s});
    VERIFY_OK(w->registry->setAlias(u"m"_s, u"champion"_s, 2, kTester));
    byAlias = w->registry->versionByAlias(u"m"_s, u"champion"_s);
    VERIFY_OK(byAlias);
    QCOMPARE(byAlias->version, 2);
    auto v1 = w->registry->modelVersion(u"m"_s, 1);
    VERIFY_OK(v1);
    QVERIFY(v1->aliases.isEmpty());
    auto model = w->registry->registeredModel(u"m"_s);
    VERIFY_OK(model);
    QCOMPARE(model->aliases, (QList<ModelAlias>{{u"champion"_s, 2}}));
    auto latest = w->registry->versionByAlias(u"m"_s, u"LATEST"_s);
    VERIFY_OK(latest);
    QCOMPARE(latest->version, 2);

    for (const QString &bad : {u"latest"_s, u"v3"_s, u"has space"_s, QString()}) {
        auto refused = w->registry->setAlias(u"m"_s, bad, 1, kTester);
        QVERIFY2(!refused, qPrintable(bad));
        QCOMPARE(refused.error().code, errorcode::kInvalidParameterValue);
    }
    QCOMPARE(w->registry->setAlias(u"m"_s, u"x"_s, 5, kTester).error().code,
             errorcode::kResourceDoesNotExist);

    VERIFY_OK(w->registry->deleteAlias(u"m"_s, u"champion"_s, kTester));
    VERIFY_OK(w->registry->deleteAlias(u"m"_s, u"champion"_s, kTester));
    auto gone = w->registry->versionByAlias(u"m"_s, u"champion"_s);
    QVERIFY(!gone);
    QCOMPARE(gone.error().message, u"Registered model alias champion not found."_s);
}

void TestRegistryStore::historyRecordsEveryChange()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    for (int i = 0; i < 2; ++i)
        VERIFY_OK(w->registry->createModelVersion(
            {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));
    const Actor alice{u"alice (Millrace UI)"_s, u"beats v1 on the holdout"_s};
    VERIFY_OK(w->registry->transitionStage(u"m"_s, 1, Stage::Production, false, kTester));
    VERIFY_OK(w->registry->transitionStage(u"m"_s, 2, Stage::Production, true, alice));
    VERIFY_OK(w->registry->setAlias(u"m"_s, u"champion"_s, 2, alice));
    VERIFY_OK(w->registry->deleteAlias(u"m"_s, u"champion"_s, kTester));
    VERIFY_OK(w->registry->deleteModelVersion(u"m"_s, 1, kTester));

    auto events = w->registry->history(u"m"_s);
    VERIFY_OK(events);
    QCOMPARE(events->size(), 8);
    const QList<EventKind> kinds = {EventKind::Created,      EventKind::Created,
                                    EventKind::StageChanged, EventKind::StageChanged,
                                    EventKind::StageChanged, EventKind::AliasSet,
                                    EventKind::AliasDeleted, EventKind::Deleted};
    for (qsizetype i = 0; i < kinds.size(); ++i)
        QVERIFY2(events->at(i).kind == kinds.at(i), qPrintable(QString::number(i)));
    const RegistryEvent &archived = events->at(3);
    QCOMPARE(archived.version, 1);
    QVERIFY(archived.fromStage == Stage::Production && archived.toStage == Stage::Archived);
    QCOMPARE(archived.actor, alice.name);
    QVERIFY(archived.reason.contains(u"version 2 moved to Production"_s));
    const RegistryEvent &promoted = events->at(4);
    QCOMPARE(promoted.version, 2);
    QVERIFY(promoted.fromStage == Stage::None && promoted.toStage == Stage::Production);
    QCOMPARE(promoted.reason, alice.reason);
    QCOMPARE(events->at(5).alias, u"champion"_s);
    QCOMPARE(events->at(5).previousVersion, 0);
    QVERIFY(events->at(0).time > 0 && events->at(7).time >= events->at(0).time);
}

void TestRegistryStore::searchFiltersOrdersAndPages()
{
    auto w = openWorkspace();
    QVERIFY(w);
    const QString run = runWithModel(*w, "w");
    for (const QString &name : {u"beta"_s, u"alpha"_s, u"Alphabet"_s, u"gamma"_s}) {
        VERIFY_OK(w->registry->createRegisteredModel(
            name, {}, {{u"team"_s, name.startsWith(u'g') ? u"speech"_s : u"vision"_s}}));
        VERIFY_OK(w->registry->createModelVersion(
            {name, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {{u"size"_s, u"small"_s}}},
            kTester));
    }
    VERIFY_OK(w->registry->createModelVersion(
        {u"alpha"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));

    const auto names = [](const auto &page) {
        QStringList list;
        for (const auto &item : page.items)
            list.append(item.name);
        return list;
    };
    auto all = w->registry->searchRegisteredModels(QString(), 100, {}, QString());
    VERIFY_OK(all);
    QCOMPARE(names(*all), (QStringList{u"Alphabet"_s, u"alpha"_s, u"beta"_s, u"gamma"_s}));
    auto like = w->registry->searchRegisteredModels(u"name LIKE 'alpha%'"_s, 100, {}, QString());
    VERIFY_OK(like);
    QCOMPARE(names(*like), QStringList{u"alpha"_s});
    auto ilike = w->registry->searchRegisteredModels(u"name ILIKE 'alpha%'"_s, 100, {}, QString());
    VERIFY_OK(ilike);
    QCOMPARE(names(*ilike), (QStringList{u"Alphabet"_s, u"alpha"_s}));
    auto tagged =
        w->registry->searchRegisteredModels(u"tags.team = 'speech'"_s, 100, {}, QString());
    VERIFY_OK(tagged);
    QCOMPARE(names(*tagged), QStringList{u"gamma"_s});
    auto descending =
        w->registry->searchRegisteredModels(QString(), 100, {u"name DESC"_s}, QString());
    VERIFY_OK(descending);
    QCOMPARE(names(*descending).first(), u"gamma"_s);

    // Pages of two: no repeats, no gaps.
    QStringList paged;
    QString token;
    do {
        auto page = w->registry->searchRegisteredModels(QString(), 2, {}, token);
        VERIFY_OK(page);
        QVERIFY(page->items.size() <= 2);
        paged += names(*page);
        token = page->nextPageToken;
    } while (!token.isEmpty());
    QCOMPARE(paged, names(*all));

    QVERIFY(!w->registry->searchRegisteredModels(u"run_id = 'x'"_s, 100, {}, QString()));
    QVERIFY(!w->registry->searchRegisteredModels(u"name >> 'x'"_s, 100, {}, QString()));
    QVERIFY(!w->registry->searchRegisteredModels(QString(), 100, {u"color"_s}, QString()));
    QVERIFY(!w->registry->searchRegisteredModels(QString(), 5000, {}, QString()));

    auto versions = w->registry->searchModelVersions(u"name = 'alpha'"_s, 100, {}, QString());
    VERIFY_OK(versions);
    QCOMPARE(versions->items.size(), 2);
    QCOMPARE(versions->items.first().version, 2); // newest update first
    auto byRun = w->registry->searchModelVersions(
        u"run_id = '"_s + run + u"'"_s, 100, {u"name ASC"_s, u"version_number ASC"_s}, QString());
    VERIFY_OK(byRun);
    QCOMPARE(byRun->items.size(), 5);
    QCOMPARE(byRun->items.first().name, u"Alphabet"_s);
    auto numbered = w->registry->searchModelVersions(u"version_number > 1"_s, 100, {}, QString());
    VERIFY_OK(numbered);
    QCOMPARE(numbered->items.size(), 1);
    auto tags = w->registry->searchModelVersions(u"tags.size = 'small'"_s, 100, {}, QString());
    VERIFY_OK(tags);
    QCOMPARE(tags->items.size(), 4);
    QVERIFY(!w->registry->searchModelVersions(u"stage = 'None'"_s, 100, {}, QString()));
}

void TestRegistryStore::deletingRemovesFilesAndKeepsNumbers()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    auto v1 = w->registry->createModelVersion(
        {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester);
    VERIFY_OK(v1);
    VERIFY_OK(w->registry->setAlias(u"m"_s, u"champion"_s, 1, kTester));
    VERIFY_OK(w->registry->deleteModelVersion(u"m"_s, 1, kTester));
    QVERIFY(!QFileInfo::exists(v1->directory));
    QCOMPARE(w->registry->modelVersion(u"m"_s, 1).error().code, errorcode::kResourceDoesNotExist);
    QVERIFY(!w->registry->versionByAlias(u"m"_s, u"champion"_s));
    QVERIFY(!w->registry->deleteModelVersion(u"m"_s, 1, kTester));
    auto v2 = w->registry->createModelVersion(
        {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester);
    VERIFY_OK(v2);
    QCOMPARE(v2->version, 2);

    VERIFY_OK(w->registry->deleteRegisteredModel(u"m"_s));
    QVERIFY(!QFileInfo::exists(v2->directory));
    QVERIFY(!w->registry->registeredModel(u"m"_s));
    QVERIFY(!w->registry->deleteRegisteredModel(u"m"_s));
}

void TestRegistryStore::renameKeepsVersionsAndFiles()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"old"_s));
    VERIFY_OK(w->registry->createRegisteredModel(u"taken"_s));
    const QString run = runWithModel(*w, "w");
    auto v1 = w->registry->createModelVersion(
        {u"old"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester);
    VERIFY_OK(v1);
    QCOMPARE(w->registry->renameRegisteredModel(u"old"_s, u"taken"_s).error().code,
             errorcode::kResourceAlreadyExists);
    auto renamed = w->registry->renameRegisteredModel(u"old"_s, u"new"_s);
    VERIFY_OK(renamed);
    auto moved = w->registry->modelVersion(u"new"_s, 1);
    VERIFY_OK(moved);
    QCOMPARE(moved->directory, v1->directory);
    QVERIFY(QFileInfo::exists(moved->directory + u"/weights.pt"_s));
    // A new model under the old name gets folders of its own.
    VERIFY_OK(w->registry->createRegisteredModel(u"old"_s));
    auto other = w->registry->createModelVersion(
        {u"old"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester);
    VERIFY_OK(other);
    QVERIFY(other->directory != v1->directory);
    QVERIFY(QFileInfo::exists(v1->directory + u"/weights.pt"_s));
}

void TestRegistryStore::promotionAppliesOrKeepsTheChampion()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(w->registry->createModelVersion(
            {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));
    VERIFY_OK(w->registry->transitionStage(u"m"_s, 1, Stage::Production, false, kTester));
    const Actor pipeline{u"pipeline update_model"_s, QString()};

    PromotionVerdict keep{
        false, u"challenger accuracy 0.84 does not beat champion 0.85"_s,
        QJsonObject{{u"metric"_s, u"accuracy"_s}, {u"champion"_s, 0.85}, {u"challenger"_s, 0.84}}};
    auto kept = w->registry->applyPromotion(u"m"_s, 2, keep, pipeline);
    VERIFY_OK(kept);
    QVERIFY(kept->stage == Stage::None);

    PromotionVerdict promote{
        true, u"challenger accuracy 0.87 beats champion 0.85 by 0.02"_s,
        QJsonObject{{u"metric"_s, u"accuracy"_s}, {u"champion"_s, 0.85}, {u"challenger"_s, 0.87}}};
    auto promoted = w->registry->applyPromotion(u"m"_s, 3, promote, pipeline);
    VERIFY_OK(promoted);
    QVERIFY(promoted->stage == Stage::Production);
    QCOMPARE(promoted->aliases, QStringList{u"champion"_s});
    auto previous = w->registry->modelVersion(u"m"_s, 1);
    VERIFY_OK(previous);
    QVERIFY(previous->stage == Stage::Archived);

    auto events = w->registry->history(u"m"_s);
    VERIFY_OK(events);
    QList<RegistryEvent> decisions;
    for (const RegistryEvent &event : *events) {
        if (event.kind == EventKind::Decision)
            decisions.append(event);
    }
    QCOMPARE(decisions.size(), 2);
    QCOMPARE(decisions.at(0).version, 2);
    QCOMPARE(decisions.at(0).reason, keep.reason);
    QCOMPARE(decisions.at(0).evaluation.value(u"promote"_s).toBool(), false);
    QCOMPARE(decisions.at(0).evaluation.value(u"challenger"_s).toDouble(), 0.84);
    QCOMPARE(decisions.at(1).evaluation.value(u"promote"_s).toBool(), true);
    const RegistryEvent &last = events->last();
    QVERIFY(last.kind == EventKind::AliasSet);
    QCOMPARE(last.reason, promote.reason);
    QCOMPARE(last.evaluation.value(u"champion"_s).toDouble(), 0.85);

    // A verdict on a version that does not exist changes nothing.
    const qsizetype before = events->size();
    QVERIFY(!w->registry->applyPromotion(u"m"_s, 9, promote, pipeline));
    auto after = w->registry->history(u"m"_s);
    VERIFY_OK(after);
    QCOMPARE(after->size(), before);
}

void TestRegistryStore::recoveryFinishesOrFailsInterruptedVersions()
{
    auto w = openWorkspace();
    QVERIFY(w);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    const QString run = runWithModel(*w, "w");
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(w->registry->createModelVersion(
            {u"m"_s, u"runs:/"_s + run + u"/model"_s, {}, {}, {}, {}}, kTester));
    // As a crash would leave them: v2 renamed into place but not marked READY; v3 still being
    // copied; a folder of a version deleted just before the crash; a stray file of the user's.
    QVERIFY(w->store
                ->write([](SQLite::Database &db) {
                    db.exec("UPDATE model_versions SET status = 'PENDING_REGISTRATION' WHERE "
                            "version IN (2, 3)");
                })
                .result());
    const QDir models(w->modelsRoot());
    QVERIFY(QDir(models.filePath(u"m"_s)).rename(u"3"_s, u".3.partial"_s));
    QVERIFY(writeFile(models.filePath(u"m/7/weights.pt"_s), "orphan"));
    QVERIFY(writeFile(models.filePath(u"m/notes.txt"_s), "mine"));

    auto report = w->registry->recover();
    VERIFY_OK(report);
    QCOMPARE(report->completed, 1);
    QCOMPARE(report->failed, 1);
    QCOMPARE(report->removedFolders, 2);
    auto v2 = w->registry->modelVersion(u"m"_s, 2);
    VERIFY_OK(v2);
    QVERIFY(v2->status == VersionStatus::Ready);
    QVERIFY(QFileInfo::exists(v2->directory + u"/weights.pt"_s));
    auto v3 = w->registry->modelVersion(u"m"_s, 3);
    VERIFY_OK(v3);
    QVERIFY(v3->status == VersionStatus::Failed);
    QVERIFY(v3->directory.isEmpty());
    QVERIFY(v3->statusMessage.contains(u"stopped while copying"_s));
    QCOMPARE(QDir(models.filePath(u"m"_s))
                 .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             (QStringList{u"1"_s, u"2"_s, u"notes.txt"_s}));
    // Nothing left to do the second time.
    auto again = w->registry->recover();
    VERIFY_OK(again);
    QCOMPARE(again->completed + again->failed + again->removedFolders, 0);
}

void TestRegistryStore::changeCountMovesWithChanges()
{
    auto w = openWorkspace();
    QVERIFY(w);
    auto before = w->registry->changeCount();
    VERIFY_OK(before);
    VERIFY_OK(w->registry->createRegisteredModel(u"m"_s));
    auto afterCreate = w->registry->changeCount();
    VERIFY_OK(afterCreate);
    QVERIFY(*afterCreate > *before);
    QVERIFY(!w->registry->createRegisteredModel(u"m"_s)); // refused: no change
    auto afterRefusal = w->registry->changeCount();
    VERIFY_OK(afterRefusal);
    QCOMPARE(*afterRefusal, *afterCreate);
    VERIFY_OK(w->registry->setRegisteredModelTag(u"m"_s, u"k"_s, u"v"_s));
    auto afterTag = w->registry->changeCount();
    VERIFY_OK(afterTag);
    QVERIFY(*afterTag > *afterRefusal);
}

void TestRegistryStore::folderNamesAreSafe()
{
    QCOMPARE(modelFolderName(u"fashion-cnn_v2.1"_s), u"fashion-cnn_v2.1"_s);
    QCOMPARE(modelFolderName(u".hidden"_s), u"%2ehidden"_s);
    QCOMPARE(modelFolderName(u"a\\b*c"_s), u"a%5cb%2ac"_s);
    QCOMPARE(modelFolderName(u"é"_s), u"%c3%a9"_s);
}

QTEST_GUILESS_MAIN(TestRegistryStore)
#include "tst_registrystore.moc"
