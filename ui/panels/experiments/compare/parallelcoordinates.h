#pragma once

#include <QColor>
#include <QHash>
#include <QList>
#include <QPolygonF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <utility>

class QAction;

namespace millrace::ui {

/// One vertical axis: a param or metric, one value per run (NaN = the run has none). When
/// `categories` is non-empty the values are indices into it (text params) and the axis shows them.
struct ParallelAxis
{
    QString title;
    QList<double> values;
    QStringList categories;
};

/// Parallel coordinates over params and metrics: one polyline per run in its colour; dragging
/// along an axis brushes a range, and only runs inside every brush stay highlighted.
///
/// Each axis spans its own min..max (low values at the bottom; a constant axis shows its value in
/// the middle). A run without a value on an axis goes through a marked "n/a" spot below that axis,
/// so every run stays one line. A click on an axis clears its brush; Esc or the context menu's
/// "Clear brushes" clears all.
class ParallelCoordinatesView : public QWidget
{
    Q_OBJECT
public:
    explicit ParallelCoordinatesView(QWidget *parent = nullptr);

    /// Shows runs (ids, names for tooltips, line colours; parallel lists) over `axes`. Brushes
    /// survive by axis title, clamped to the new axis range; brushes on axes that went away are
    /// dropped.
    void setData(const QStringList &runIds, const QStringList &runNames,
                 const QList<QColor> &colours, const QList<ParallelAxis> &axes);
    /// The runs inside every brush (all runs without brushes), in run order. A run without a
    /// value on a brushed axis is outside that brush.
    QStringList passingRunIds() const;
    /// Brushes `low`..`high` (data units; category indices on a categorical axis) on the axis
    /// titled `axisTitle`, clamped to the axis range. Unknown titles are ignored.
    void setBrush(const QString &axisTitle, double low, double high);
    /// Removes every brush.
    void clearBrushes();
    /// Whether any axis has a brush.
    bool hasBrushes() const { return !m_brushes.isEmpty(); }
    /// The brushed range on `axisTitle` in data units, or {NaN, NaN} when it has none.
    std::pair<double, double> brush(const QString &axisTitle) const;
    /// Where `value` sits on the axis titled `axisTitle`, in widget coordinates (for tests and
    /// overlays); a null point for an unknown title.
    QPointF positionOf(const QString &axisTitle, double value) const;

    QSize sizeHint() const override { return {600, 320}; }
    QSize minimumSizeHint() const override { return {160, 120}; }

Q_SIGNALS:
    /// The brushes changed which runs pass (also after setData() when brushes are set).
    void brushChanged(const QStringList &passingRunIds);

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    /// An axis's data range as drawn: low at the bottom, high at the top.
    struct Scale
    {
        double low = 0;
        double high = 1;
        bool constant = false; ///< all values equal (or none): drawn in the middle
    };
    struct Brush
    {
        double low = 0;
        double high = 0;
    };

    void layoutAxes();
    void updatePassing();
    void setBrushFromPixels(int axis, double y0, double y1);
    int axisAt(const QPointF &pos) const;
    int runNear(const QPointF &pos) const;
    int axisIndex(const QString &title) const;
    double axisX(int axis) const;
    double toY(int axis, double value) const;
    double toValue(int axis, double y) const;
    QColor runColour(int run) const;

    QStringList m_runIds;
    QStringList m_runNames;
    QList<QColor> m_colours;
    QList<ParallelAxis> m_axes;
    QList<Scale> m_scales;
    QHash<QString, Brush> m_brushes; ///< by axis title
    QList<bool> m_passing;           ///< per run
    QStringList m_lastPassing;       ///< what brushChanged last reported

    // Geometry, rebuilt on resize and setData(), not on every paint.
    QRectF m_plot;            ///< axis tops to bottoms, first to last axis
    double m_missingY = 0;    ///< where runs without a value cross an axis
    QList<QPolygonF> m_lines; ///< per run

    int m_dragAxis = -1;
    double m_dragStartY = 0;
    bool m_dragMoved = false;
    int m_hoveredRun = -1;
    QAction *m_clearAction = nullptr;
};

} // namespace millrace::ui
