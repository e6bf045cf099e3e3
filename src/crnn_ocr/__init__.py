"""crnn-ocr: Russian text-line OCR pipeline."""
