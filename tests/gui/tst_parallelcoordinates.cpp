// The compare view's parallel coordinates as a user meets them: dragging along an axis brushes a
// range and leaves only the runs inside it highlighted (and says so), a click on an axis takes its
// brush away, Esc and the context menu clear all, brushes outlive a data refresh, hovering a line
// names its run, and the picture shows the runs in their colours on screen, in an image and in
// SVG. Real mouse events under the offscreen platform.

#include "ui/panels/experiments/compare/parallelcoordinates.h"

#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QHelpEvent>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QSvgGenerator>
#include <QTest>
#include <QToolTip>

#include <cmath>
#include <limits>

using millrace::ui::ParallelAxis;
using millrace::ui::ParallelCoordinatesView;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const QStringList kRunIds{u"r1"_s, u"r2"_s, u"r3"_s, u"r4"_s};
const QStringList kRunNames{u"run one"_s, u"run two"_s, u"run three"_s, QString()};
// Saturated and far apart, so each run's pixels can be told from the others and from grey.
const QList<QColor> kColours{QColor(230, 25, 75), QColor(60, 180, 75), QColor(0, 130, 200),
                             QColor(245, 130, 48)};

const QString kLr = u"params.lr"_s;
const QString kOptimizer = u"params.optimizer"_s;
const QString kAcc = u"metrics.acc"_s;

QList<ParallelAxis> fourRunAxes()
{
    return {
        ParallelAxis{kLr, {0.1, 0.2, 0.3, 0.4}, {}},
        // r4 has no optimizer.
        ParallelAxis{kOptimizer, {0, 1, 0, kNaN}, {u"adam"_s, u"sgd"_s}},
        ParallelAxis{kAcc, {0.5, 0.6, 0.7, 0.8}, {}},
    };
}

// How many pixels are (nearly) `colour`; antialiased edges blend into the background, so the
// count looks for the lines' cores.
int pixelsLike(const QImage &image, const QColor &colour)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    int count = 0;
    for (int y = 0; y < rgb.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(rgb.constScanLine(y));
        for (int x = 0; x < rgb.width(); ++x) {
            if (std::abs(qRed(line[x]) - colour.red()) < 30
                && std::abs(qGreen(line[x]) - colour.green()) < 30
                && std::abs(qBlue(line[x]) - colour.blue()) < 30)
                ++count;
        }
    }
    return count;
}

QPoint along(QPoint from, QPoint to, double fraction)
{
    return from + (to - from) * fraction;
}

bool colourNear(const QImage &image, QPoint at, const QColor &colour)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    for (int dy = -2; dy <= 2; ++dy) {
        for (int dx = -2; dx <= 2; ++dx) {
            const QPoint p = at + QPoint(dx, dy);
            if (!rgb.rect().contains(p))
                continue;
            const QRgb pixel = rgb.pixel(p);
            if (std::abs(qRed(pixel) - colour.red()) < 30
                && std::abs(qGreen(pixel) - colour.green()) < 30
                && std::abs(qBlue(pixel) - colour.blue()) < 30)
                return true;
        }
    }
    return false;
}

} // namespace

class TestParallelCoordinates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void dragBrushesAnAxis_data();
    void dragBrushesAnAxis();
    void setBrushInDataUnits();
    void clickOnAnAxisClearsItsBrush();
    void escapeAndContextActionClearAll();
    void brushesSurviveNewData();
    void hoverNamesTheRun();
    void rendersRunsInTheirColours();
    void rendersIntoImageAndSvg();
    void followsADarkPalette();
    void withoutDataShowsAHint();
    void manyRunsBrushAndRender();

private:
    QPoint at(const QString &axis, double value) const
    {
        return m_view->positionOf(axis, value).toPoint();
    }

    std::unique_ptr<ParallelCoordinatesView> m_view;
};

void TestParallelCoordinates::init()
{
    m_view = std::make_unique<ParallelCoordinatesView>();
    m_view->resize(600, 320);
    m_view->setData(kRunIds, kRunNames, kColours, fourRunAxes());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestParallelCoordinates::cleanup()
{
    m_view.reset();
}

void TestParallelCoordinates::dragBrushesAnAxis_data()
{
    QTest::addColumn<QString>("axis");
    QTest::addColumn<double>("from");
    QTest::addColumn<double>("to");
    QTest::addColumn<QStringList>("passing");

    QTest::newRow("downwards") << kLr << 0.35 << 0.15 << QStringList{u"r2"_s, u"r3"_s};
    QTest::newRow("upwards") << kLr << 0.15 << 0.35 << QStringList{u"r2"_s, u"r3"_s};
    QTest::newRow("past the axis end") << kAcc << 0.65 << 2.0 << QStringList{u"r3"_s, u"r4"_s};
    // Categories sit at their index; a run without a value is outside any brush.
    QTest::newRow("category") << kOptimizer << 0.7 << 1.0 << QStringList{u"r2"_s};
    QTest::newRow("other category") << kOptimizer << 0.3 << -0.5 << QStringList{u"r1"_s, u"r3"_s};
}

void TestParallelCoordinates::dragBrushesAnAxis()
{
    QFETCH(QString, axis);
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(QStringList, passing);

    QSignalSpy changed(m_view.get(), &ParallelCoordinatesView::brushChanged);
    QCOMPARE(m_view->passingRunIds(), kRunIds);
    QVERIFY(!m_view->hasBrushes());

    const QPoint start = at(axis, from);
    const QPoint end = at(axis, to);
    QTest::mousePress(m_view.get(), Qt::LeftButton, {}, start);
    QTest::mouseMove(m_view.get(), (start + end) / 2);
    QTest::mouseMove(m_view.get(), end);
    QTest::mouseRelease(m_view.get(), Qt::LeftButton, {}, end);

    QVERIFY(m_view->hasBrushes());
    QCOMPARE(m_view->passingRunIds(), passing);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(changed.last().at(0).toStringList(), passing);
}

void TestParallelCoordinates::setBrushInDataUnits()
{
    QSignalSpy changed(m_view.get(), &ParallelCoordinatesView::brushChanged);
    m_view->setBrush(kAcc, 0.55, 0.75);
    QCOMPARE(m_view->passingRunIds(), QStringList({u"r2"_s, u"r3"_s}));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_view->brush(kAcc), std::make_pair(0.55, 0.75));

    // Brushes combine: a run must be inside every one. Reversed ends are the same range.
    m_view->setBrush(kLr, 1.0, 0.25);
    QCOMPARE(m_view->passingRunIds(), QStringList{u"r3"_s});
    QCOMPARE(changed.count(), 2);
    // Clamped to the axis range.
    QCOMPARE(m_view->brush(kLr), std::make_pair(0.25, 0.4));

    // The same passing runs again: no signal.
    m_view->setBrush(kLr, 0.25, 0.35);
    QCOMPARE(changed.count(), 2);

    m_view->setBrush(u"no such axis"_s, 0, 1);
    QCOMPARE(m_view->passingRunIds(), QStringList{u"r3"_s});

    m_view->clearBrushes();
    QVERIFY(!m_view->hasBrushes());
    QCOMPARE(m_view->passingRunIds(), kRunIds);
    QCOMPARE(changed.count(), 3);
    QCOMPARE(changed.last().at(0).toStringList(), kRunIds);
}

void TestParallelCoordinates::clickOnAnAxisClearsItsBrush()
{
    m_view->setBrush(kLr, 0.15, 0.35);
    m_view->setBrush(kAcc, 0.65, 0.8);
    QCOMPARE(m_view->passingRunIds(), QStringList{u"r3"_s});
    QSignalSpy changed(m_view.get(), &ParallelCoordinatesView::brushChanged);

    // A click beside the axes does nothing.
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, (at(kLr, 0.2) + at(kOptimizer, 0.5)) / 2);
    QCOMPARE(m_view->passingRunIds(), QStringList{u"r3"_s});

    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, at(kLr, 0.2));
    QVERIFY(std::isnan(m_view->brush(kLr).first));
    QCOMPARE(m_view->brush(kAcc), std::make_pair(0.65, 0.8));
    QCOMPARE(m_view->passingRunIds(), QStringList({u"r3"_s, u"r4"_s}));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).toStringList(), QStringList({u"r3"_s, u"r4"_s}));
}

void TestParallelCoordinates::escapeAndContextActionClearAll()
{
    m_view->setBrush(kLr, 0.15, 0.35);
    m_view->setBrush(kAcc, 0.65, 0.8);
    m_view->setFocus();
    QTest::keyClick(m_view.get(), Qt::Key_Escape);
    QVERIFY(!m_view->hasBrushes());
    QCOMPARE(m_view->passingRunIds(), kRunIds);

    QAction *clear = nullptr;
    for (QAction *action : m_view->actions()) {
        if (action->text() == u"Clear brushes"_s)
            clear = action;
    }
    QVERIFY(clear);
    QVERIFY(!clear->isEnabled());
    m_view->setBrush(kAcc, 0.65, 0.8);
    QVERIFY(clear->isEnabled());
    clear->trigger();
    QVERIFY(!m_view->hasBrushes());
    QVERIFY(!clear->isEnabled());
}

void TestParallelCoordinates::brushesSurviveNewData()
{
    m_view->setBrush(kLr, 0.15, 0.35);
    m_view->setBrush(kOptimizer, 1, 1);
    QCOMPARE(m_view->passingRunIds(), QStringList{u"r2"_s});
    QSignalSpy changed(m_view.get(), &ParallelCoordinatesView::brushChanged);

    // A live refresh: new values, a fifth run. The brushes stay and filter the new data.
    QList<ParallelAxis> axes = fourRunAxes();
    axes[0].values = {0.1, 0.5, 0.3, 0.4, 0.2};
    axes[1].values = {0, 1, 1, kNaN, 1};
    axes[2].values.append(0.9);
    QStringList ids = kRunIds;
    ids.append(u"r5"_s);
    m_view->setData(ids, kRunNames + QStringList{u"run five"_s},
                    kColours + QList{QColor(Qt::black)}, axes);
    QCOMPARE(m_view->brush(kLr), std::make_pair(0.15, 0.35));
    QCOMPARE(m_view->passingRunIds(), QStringList({u"r3"_s, u"r5"_s}));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).toStringList(), QStringList({u"r3"_s, u"r5"_s}));

    // A narrower range clamps the brush into it.
    axes[0].values = {0.2, 0.25, 0.3, 0.3, 0.3};
    m_view->setData(ids, kRunNames + QStringList{u"run five"_s},
                    kColours + QList{QColor(Qt::black)}, axes);
    QCOMPARE(m_view->brush(kLr), std::make_pair(0.2, 0.3));

    // An axis that goes away takes its brush with it.
    axes.removeAt(1);
    m_view->setData(ids, kRunNames + QStringList{u"run five"_s},
                    kColours + QList{QColor(Qt::black)}, axes);
    QVERIFY(std::isnan(m_view->brush(kOptimizer).first));
    QCOMPARE(m_view->passingRunIds(), ids);
}

void TestParallelCoordinates::hoverNamesTheRun()
{
    // Between two axes, on r2's segment from lr = 0.2 to optimizer "sgd".
    const QPoint onLine = (at(kLr, 0.2) + at(kOptimizer, 1)) / 2;
    QHelpEvent help(QEvent::ToolTip, onLine, m_view->mapToGlobal(onLine));
    QApplication::sendEvent(m_view.get(), &help);
    QTRY_COMPARE(QToolTip::text(), u"run two"_s);

    // An unnamed run shows its id; r4 has no optimizer and so runs through the "n/a" spot.
    const QPoint nearR4 = at(kAcc, 0.8) - QPoint(6, 0) + QPoint(0, 3);
    QHelpEvent helpUnnamed(QEvent::ToolTip, nearR4, m_view->mapToGlobal(nearR4));
    QApplication::sendEvent(m_view.get(), &helpUnnamed);
    QTRY_COMPARE(QToolTip::text(), u"r4"_s);

    // Far from every line: no tooltip.
    const QPoint empty = (at(kLr, 0.4) + at(kOptimizer, 1)) / 2;
    QHelpEvent helpEmpty(QEvent::ToolTip, empty, m_view->mapToGlobal(empty));
    QApplication::sendEvent(m_view.get(), &helpEmpty);
    QTRY_VERIFY(!QToolTip::isVisible());
}

void TestParallelCoordinates::rendersRunsInTheirColours()
{
    QImage image = m_view->grab().toImage();
    // For a look by eye: MILLRACE_SCREENSHOT_DIR=/tmp ./tst_parallelcoordinates
    const QString screenshots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    if (!screenshots.isEmpty())
        image.save(screenshots + u"/parallelcoordinates.png"_s);
    for (const QColor &colour : kColours)
        QVERIFY2(pixelsLike(image, colour) > 20, qPrintable(colour.name()));
    // The lines are where the axes say their values are: a tenth of the way along r1's first
    // segment, and along r3's last.
    QVERIFY(colourNear(image, along(at(kLr, 0.1), at(kOptimizer, 0), 0.1), kColours.at(0)));
    QVERIFY(colourNear(image, along(at(kAcc, 0.7), at(kOptimizer, 0), 0.1), kColours.at(2)));

    // Brushed away runs turn grey; the brush is drawn on its axis.
    m_view->setBrush(kLr, 0.15, 0.25);
    image = m_view->grab().toImage();
    QVERIFY(pixelsLike(image, kColours.at(1)) > 20);
    QCOMPARE(pixelsLike(image, kColours.at(0)), 0);
    QCOMPARE(pixelsLike(image, kColours.at(2)), 0);
    QCOMPARE(pixelsLike(image, kColours.at(3)), 0);
    if (!screenshots.isEmpty())
        image.save(screenshots + u"/parallelcoordinates-brushed.png"_s);
}

void TestParallelCoordinates::rendersIntoImageAndSvg()
{
    m_view->setBrush(kAcc, 0.55, 0.75);

    QImage image(m_view->size(), QImage::Format_ARGB32);
    image.fill(Qt::transparent);
    m_view->render(&image);
    QVERIFY(pixelsLike(image, kColours.at(1)) > 20);
    QVERIFY(pixelsLike(image, kColours.at(2)) > 20);
    QCOMPARE(pixelsLike(image, kColours.at(0)), 0);

    QBuffer svg;
    QSvgGenerator generator;
    generator.setOutputDevice(&svg);
    generator.setSize(m_view->size());
    generator.setViewBox(m_view->rect());
    {
        QPainter painter(&generator);
        m_view->render(&painter);
    }
    const QString text = QString::fromUtf8(svg.data());
    QVERIFY(text.contains(u"<svg"_s));
    // The highlighted runs' strokes, by colour; the brushed-away ones are not in theirs.
    QVERIFY(text.contains(kColours.at(1).name(), Qt::CaseInsensitive));
    QVERIFY(text.contains(kColours.at(2).name(), Qt::CaseInsensitive));
    QVERIFY(!text.contains(kColours.at(0).name(), Qt::CaseInsensitive));
    QVERIFY(text.contains(u"params.lr"_s));
}

void TestParallelCoordinates::followsADarkPalette()
{
    QPalette dark = m_view->palette();
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x24));
    dark.setColor(QPalette::Window, QColor(0x2a, 0x2a, 0x2e));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xe0));
    m_view->setPalette(dark);
    m_view->setBrush(kAcc, 0.55, 0.75);
    const QImage image = m_view->grab().toImage();
    const QString screenshots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    if (!screenshots.isEmpty())
        image.save(screenshots + u"/parallelcoordinates-dark.png"_s);

    // A dark background, light titles on it, and the highlighted runs in their colours.
    QCOMPARE(image.pixelColor(2, image.height() - 2), QColor(0x20, 0x20, 0x24));
    int lightTitlePixels = 0;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    const QRect titles(0, 0, rgb.width(), at(kLr, 0.4).y() - 12);
    for (int y = titles.top(); y <= titles.bottom(); ++y) {
        for (int x = titles.left(); x <= titles.right(); ++x) {
            if (qGray(rgb.pixel(x, y)) > 160)
                ++lightTitlePixels;
        }
    }
    QVERIFY2(lightTitlePixels > 50, qPrintable(QString::number(lightTitlePixels)));
    QVERIFY(pixelsLike(image, kColours.at(1)) > 20);
    QCOMPARE(pixelsLike(image, kColours.at(0)), 0);
}

void TestParallelCoordinates::withoutDataShowsAHint()
{
    m_view->setBrush(kLr, 0.1, 0.2);
    QSignalSpy changed(m_view.get(), &ParallelCoordinatesView::brushChanged);
    m_view->setData({}, {}, {}, {});
    QVERIFY(m_view->passingRunIds().isEmpty());
    QVERIFY(!m_view->hasBrushes());
    const QImage image = m_view->grab().toImage();
    QCOMPARE(pixelsLike(image, kColours.at(0)), 0);
    // The hint is drawn: the picture is not a blank fill.
    const QRgb corner = image.pixel(0, 0);
    bool drawn = false;
    for (int y = 0; y < image.height() && !drawn; ++y) {
        for (int x = 0; x < image.width() && !drawn; ++x)
            drawn = image.pixel(x, y) != corner;
    }
    QVERIFY(drawn);
}

void TestParallelCoordinates::manyRunsBrushAndRender()
{
    // 500 runs over 20 axes: the brush picks exactly the runs inside it, and everything draws.
    // (How fast it paints is a benchmark's business, not a test's.)
    constexpr int kRuns = 500;
    constexpr int kAxes = 20;
    QStringList ids;
    QStringList names;
    QList<QColor> colours;
    for (int run = 0; run < kRuns; ++run) {
        ids.append(u"run%1"_s.arg(run));
        names.append(u"run %1"_s.arg(run));
        colours.append(QColor::fromHsv(run * 7 % 360, 200, 200));
    }
    QList<ParallelAxis> axes;
    for (int axis = 0; axis < kAxes; ++axis) {
        ParallelAxis parallel{u"metrics.m%1"_s.arg(axis), {}, {}};
        for (int run = 0; run < kRuns; ++run)
            parallel.values.append(run % 17 == axis ? kNaN : std::sin(run * 0.37 + axis));
        axes.append(parallel);
    }
    m_view->setData(ids, names, colours, axes);
    m_view->setBrush(u"metrics.m3"_s, 0, 1);
    if (const QString screenshots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
        !screenshots.isEmpty())
        m_view->grab().save(screenshots + u"/parallelcoordinates-500.png"_s);

    int inside = 0;
    for (int run = 0; run < kRuns; ++run) {
        const double value = axes[3].values[run];
        inside += (!std::isnan(value) && value >= 0 && value <= 1) ? 1 : 0;
    }
    QCOMPARE(m_view->passingRunIds().size(), inside);
    QVERIFY(inside > 0 && inside < kRuns);

    QImage image(m_view->size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    m_view->render(&image);
    int coloured = 0;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) {
            const QColor pixel = image.pixelColor(x, y);
            coloured += pixel.saturation() > 80 ? 1 : 0;
        }
    }
    QVERIFY2(coloured > 100, qPrintable(u"%1 coloured samples"_s.arg(coloured)));
}

QTEST_MAIN(TestParallelCoordinates)
#include "tst_parallelcoordinates.moc"
