package dev.crucible.runtime;

import dev.crucible.error.CrucibleException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An image for a VLM: decoded RGB pixels, row-major, one {@code 0xRRGGBB} int per pixel.
 * The array is not copied; treat it as read-only.
 */
public record ImageInput(int width, int height, int[] rgb) {

    public ImageInput {
        if (width <= 0 || height <= 0) {
            throw new CrucibleException("image: size " + width + "x" + height + " is empty");
        }
        if (rgb == null || rgb.length != (long) width * height) {
            throw new CrucibleException("image: expected " + (long) width * height + " pixels for "
                    + width + "x" + height + ", got " + (rgb == null ? 0 : rgb.length));
        }
    }

    /** Decodes a PNG (or any format ImageIO reads) from a file. */
    public static ImageInput fromPng(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read image (" + e.getMessage() + ")", e);
        }
        return decode(bytes, file.toString());
    }

    /** Decodes PNG (or any format ImageIO reads) bytes, e.g. from an HTTP request. */
    public static ImageInput fromBytes(byte[] png) {
        return decode(png, "image");
    }

    private static ImageInput decode(byte[] bytes, String origin) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new CrucibleException(origin + ": not a readable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new CrucibleException(origin + ": not a readable image; give a PNG or JPEG file");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
            argb[i] &= 0xFFFFFF;
        }
        return new ImageInput(w, h, argb);
    }
}
