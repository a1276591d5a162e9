"""Task modules: each task is a few lines that call one idempotent domain function."""
