"""Tests of the local cloud simulator (simulator/)."""
