"""dumbcontacts"""
