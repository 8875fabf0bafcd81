#include "ui/panels/serving/servingqueries.h"

#include "core/ml/idx.h"
#include "core/pipeline/fashionsplit.h"
#include "core/registry/registrystore.h"
#include "ui/panels/registry/registryqueries.h"

#include <QSet>

#include <algorithm>

namespace millrace::ui {

namespace {

constexpr int kSide = 28;

// A single-quoted string for the search syntax, quotes doubled as in SQL.
QString quotedLiteral(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

} // namespace

Result<QList<ServableModel>> loadServableModels(const registry::RegistryStore &registry)
{
    auto models = loadRegisteredModels(registry);
    if (!models)
        return models.error();
    QList<ServableModel> servable;
    servable.reserve(models->size());
    for (const registry::RegisteredModel &model : std::as_const(*models)) {
        ServableModel entry;
        entry.name = model.name;
        entry.description = model.description;
        entry.aliases = model.aliases;
        const QString filter = QStringLiteral("name = %1").arg(quotedLiteral(model.name));
        QString pageToken;
        do {
            auto page = registry.searchModelVersions(
                filter, 10000, {QStringLiteral("version_number DESC")}, pageToken);
            if (!page)
                return page.error();
            for (const registry::ModelVersion &version : std::as_const(page->items))
                entry.versions.append({version.version, version.stage, version.aliases,
                                       version.status == registry::VersionStatus::Ready});
            pageToken = page->nextPageToken;
        } while (!pageToken.isEmpty());
        servable.append(entry);
    }
    return servable;
}

QString testImageDirectory(const QString &workspaceRoot)
{
    const QString prepared = pipeline::preparedSplitDirectory(workspaceRoot);
    if (pipeline::readPreparedSplit(prepared))
        return prepared;
    return QString::fromStdString(ml::fashionMnistDefaultDirectory());
}

Result<QList<TestImage>> loadTestImages(const QString &directory, int count)
{
    ml::Result<ml::Dataset> test =
        ml::readFashionMnist(directory.toStdString(), ml::FashionMnistPart::Test);
    if (!test)
        return fail(QString::fromStdString(test.error().message));
    if (test->featureCount() != std::size_t(kSide * kSide))
        return fail(QStringLiteral("the test images in %1 are not 28 x 28").arg(directory));

    // One of each class first, so every class can be tried; then the test set's order.
    std::vector<std::size_t> chosen;
    QSet<std::int64_t> seen;
    for (std::size_t i = 0; i < test->size() && seen.size() < test->classCount; ++i) {
        if (!seen.contains(test->classLabels[i])) {
            seen.insert(test->classLabels[i]);
            chosen.push_back(i);
        }
    }
    std::sort(chosen.begin(), chosen.end(), [&](std::size_t a, std::size_t b) {
        return test->classLabels[a] < test->classLabels[b];
    });
    for (std::size_t i = 0; i < test->size() && int(chosen.size()) < count; ++i) {
        if (std::find(chosen.begin(), chosen.end(), i) == chosen.end())
            chosen.push_back(i);
    }
    if (int(chosen.size()) > count)
        chosen.resize(std::size_t(count));

    QList<TestImage> images;
    for (std::size_t index : chosen) {
        TestImage image;
        image.index = int(index);
        image.label = int(test->classLabels[index]);
        image.className = std::size_t(image.label) < test->classNames.size()
                              ? QString::fromStdString(test->classNames[std::size_t(image.label)])
                              : QString::number(image.label);
        const float *first = test->features.data() + index * test->featureCount();
        image.pixels.assign(first, first + test->featureCount());
        image.image = QImage(kSide, kSide, QImage::Format_Grayscale8);
        for (int y = 0; y < kSide; ++y) {
            uchar *line = image.image.scanLine(y);
            for (int x = 0; x < kSide; ++x)
                line[x] = uchar(std::clamp(image.pixels[std::size_t(y * kSide + x)], 0.0f, 1.0f)
                                * 255.0f);
        }
        images.append(image);
    }
    return images;
}

} // namespace millrace::ui
