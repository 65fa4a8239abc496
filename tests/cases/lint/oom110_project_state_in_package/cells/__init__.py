from .evolving import EvolvingLayer
