#pragma once

#include <QHeaderView>

namespace millrace::ui {

/// The grid's column header: over each run a bar as tall as the run took (relative to the
/// longest run shown), coloured by the run's state, with a small triangle over manual runs. It
/// reads GridModel's header roles; the tooltip says which run it is.
class RunBarHeader : public QHeaderView
{
    Q_OBJECT
public:
    explicit RunBarHeader(QWidget *parent = nullptr);

    /// Tints the column of the chosen run (-1: none).
    void setHighlightedSection(int section);
    int highlightedSection() const { return m_highlighted; }

    QSize sizeHint() const override;

protected:
    void paintSection(QPainter *painter, const QRect &rect, int logicalIndex) const override;

private:
    double longestRunSeconds() const;

    int m_highlighted = -1;
};

} // namespace millrace::ui
