#pragma once

#include <QImage>
#include <QPixmap>
#include <QWidget>

namespace millrace::ui {

/// Shows one picture centred, scaled down to fit the widget (never up), with a thin frame so a
/// white or transparent picture keeps its edges. Scaling happens once per size, not per paint.
class ImagePreview : public QWidget
{
    Q_OBJECT
public:
    explicit ImagePreview(QWidget *parent = nullptr);

    /// Shows `image` (already decoded, off the GUI thread); a null image shows nothing.
    void setImage(const QImage &image);
    /// The picture shown, at the size it was decoded.
    QImage image() const { return m_image; }
    /// Where the picture is drawn, in widget coordinates; empty when there is none.
    QRect imageRect() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QImage m_image;
    QPixmap m_scaled; ///< m_image at the size last drawn
};

} // namespace millrace::ui
